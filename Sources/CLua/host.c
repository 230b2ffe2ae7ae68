/*
 * The state, its host data, the Swift function trampoline and the protected helpers.
 */
#include "CLua.h"
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Registry keys: addresses of these bytes, used as light userdata. */
const char ks_key_null = 0, ks_key_arraymt = 0, ks_key_objectmt = 0, ks_key_box = 0, ks_key_traceback = 0;

/* ---------------------------------------------------------------------------------------- */
/* Tapes                                                                                      */

int ks_tape_reserve(ks_tape *t, size_t n) {
  if (t->capacity - t->count >= n) return 1;
  size_t want = t->capacity ? t->capacity : 64;
  while (want - t->count < n) {
    if (want > SIZE_MAX / 2 / sizeof(ks_slot)) return 0;
    want *= 2;
  }
  ks_slot *s = realloc(t->slots, want * sizeof(ks_slot));
  if (s == NULL) return 0;
  t->slots = s;
  t->capacity = want;
  return 1;
}

int ks_tape_reserve_scratch(ks_tape *t, size_t n) {
  if (t->scratch_cap - t->scratch_len >= n) return 1;
  size_t want = t->scratch_cap ? t->scratch_cap : 256;
  while (want - t->scratch_len < n) {
    if (want > SIZE_MAX / 2) return 0;
    want *= 2;
  }
  char *s = realloc(t->scratch, want);
  if (s == NULL) return 0;
  t->scratch = s;
  t->scratch_cap = want;
  return 1;
}

ks_tape *ks_tape_acquire(lua_State *L) {
  ks_host *h = ks_host_of(L);
  ks_tape *t = h->free_tapes;
  if (t != NULL) {
    h->free_tapes = t->next_free;
    t->next_free = NULL;
    return t;
  }
  t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->next_all = h->all_tapes;
  h->all_tapes = t;
  return t;
}

/* Tapes grow to the largest value they carried and keep that memory while idle, up to these
 * sizes (as lua-cjson keeps its encode buffer): encoding a large list again then costs no page
 * faults. Past them, the memory goes back when the tape does. */
#define KS_IDLE_SLOTS (64u * 1024)
#define KS_IDLE_SCRATCH (64u << 20)

void ks_tape_release(lua_State *L, ks_tape *t) {
  ks_host *h = ks_host_of(L);
  t->count = 0;
  t->scratch_len = 0;
  if (t->capacity > KS_IDLE_SLOTS) {
    free(t->slots);
    t->slots = NULL;
    t->capacity = 0;
  }
  if (t->scratch_cap > KS_IDLE_SCRATCH) {
    free(t->scratch);
    t->scratch = NULL;
    t->scratch_cap = 0;
  }
  t->next_free = h->free_tapes;
  h->free_tapes = t;
}

/* ---------------------------------------------------------------------------------------- */
/* Swift boxes and the trampoline                                                             */

ks_boxud *ks_boxat(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TUSERDATA || lua_rawlen(L, idx) != sizeof(ks_boxud)) return NULL;
  if (!lua_checkstack(L, 2) || !lua_getmetatable(L, idx)) return NULL;
  int ours = lua_rawgetp(L, -1, &ks_key_box) == LUA_TBOOLEAN;
  lua_pop(L, 2);
  ks_boxud *ud = ours ? lua_touserdata(L, idx) : NULL;
  return ud != NULL && ud->magic == KS_BOX_MAGIC ? ud : NULL;
}

static int box_gc(lua_State *L) {
  ks_boxud *ud = ks_boxat(L, 1);
  if (ud != NULL && ud->box != NULL) {
    void *box = ud->box;
    ud->box = NULL;
    ks_host_of(L)->release(box);
  }
  return 0;
}

/* Pushes "chunk:line: " for the first Lua function on the stack outside kubescript's own chunks
 * (named "=[...]"), as luaL_where does for level 1: an error a Swift function raises points at the
 * script's line, not at the library code that called the function. */
static void where_outside_host(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar)) break;
    if (ar.currentline > 0 && strncmp(ar.source, "=[", 2) != 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

static int trampoline(lua_State *L) {
  ks_host *h = ks_host_of(L);
  ks_boxud *ud = ks_boxat(L, lua_upvalueindex(1));
  if (ud == NULL || ud->type != NULL || ud->box == NULL) return luaL_error(L, "a kubescript function whose Swift side is gone");
  ks_tape *t = ks_tape_acquire(L);
  if (t == NULL) return luaL_error(L, "not enough memory");
  int status = h->dispatch(L, ud->box, t);
  int n = ks_pushtape_raw(L, t, 1); /* may raise only for memory; the tape then stays out of the pool */
  ks_tape_release(L, t);
  if (status == KS_RETURN) return n;
  if (n < 1) lua_pushliteral(L, "error raised without a value");
  else if (n > 1) lua_settop(L, lua_gettop(L) - n + 1);
  if (status == KS_RAISE && lua_type(L, -1) == LUA_TSTRING) {
    where_outside_host(L);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

/* Pushes a new box userdata with an empty box and the given metatable key; the caller stores
 * the box pointer last, so a memory error before that leaves nothing to release twice. */
static ks_boxud *newboxud(lua_State *L, const void *type) {
  ks_boxud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
  ud->box = NULL;
  ud->type = type;
  ud->magic = KS_BOX_MAGIC;
  return ud;
}

void ks_pushfunction_raw(lua_State *L, void *box) {
  if (box == NULL) luaL_error(L, "malformed value tape (function pushed twice)");
  ks_boxud *ud = newboxud(L, NULL);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ks_key_box); /* the metatable shared by function boxes */
  lua_setmetatable(L, -2);
  lua_pushcclosure(L, trampoline, 1);
  ud->box = box;
}

void ks_pushuserdata_raw(lua_State *L, void *box, const void *type) {
  if (box == NULL) luaL_error(L, "malformed value tape (object pushed twice)");
  ks_boxud *ud = newboxud(L, type);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, type) != LUA_TTABLE) luaL_error(L, "Swift type was never registered");
  lua_setmetatable(L, -2);
  ud->box = box;
}

void *ks_tobox(lua_State *L, int idx, const void *type) {
  ks_boxud *ud = ks_boxat(L, idx);
  return ud != NULL && ud->type == type ? ud->box : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The state                                                                                  */

static int openhost(lua_State *L) {
  luaL_openlibs(L);
  /* The metatable of function boxes: __gc releases the Swift closure. */
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, box_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "kubescript.function");
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "kubescript.function");
  lua_setfield(L, -2, "__metatable"); /* scripts see a name, not __gc */
  lua_pushboolean(L, 1);
  lua_rawsetp(L, -2, &ks_key_box);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_box);
  /* The JSON null sentinel: a unique userdata that prints as "k8s.null". */
  lua_newuserdatauv(L, 0, 0);
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, "k8s.null");
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "k8s.null");
  lua_pushcclosure(L, ks_constant, 1);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "k8s.null");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_null);
  /* The array and object markers are metatables, named for error messages and tostring. */
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k8s.array");
  lua_setfield(L, -2, "__name");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_arraymt);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k8s.object");
  lua_setfield(L, -2, "__name");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_objectmt);
  return 0;
}

int ks_constant(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  return 1;
}

static int panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  lua_writestringerror("kubescript: unprotected Lua error (%s)\n", msg ? msg : "?");
  return 0; /* lua_atpanic: returning aborts */
}

lua_State *ks_newstate(ks_dispatch_fn dispatch, ks_release_fn release) {
  lua_State *L = luaL_newstate();
  if (L == NULL) return NULL;
  ks_host *h = calloc(1, sizeof *h);
  if (h == NULL) {
    lua_close(L);
    return NULL;
  }
  h->dispatch = dispatch;
  h->release = release;
  *(ks_host **)lua_getextraspace(L) = h;
  lua_atpanic(L, panic);
  lua_pushcfunction(L, openhost);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    ks_close(L);
    return NULL;
  }
  return L;
}

void ks_close(lua_State *L) {
  ks_host *h = ks_host_of(L);
  lua_close(L); /* runs every __gc, releasing the boxes Lua still owned */
  for (ks_tape *t = h->all_tapes, *next; t != NULL; t = next) {
    next = t->next_all;
    /* A tape lost to a memory error during a push may still hold boxes Lua never took. */
    for (size_t i = 0; i < t->count; i++) {
      ks_slot *slot = &t->slots[i];
      if ((slot->kind == KS_FUNCTION || slot->kind == KS_USERDATA) && slot->v.p != NULL) h->release(slot->v.p);
    }
    free(t->slots);
    free(t->scratch);
    free(t);
  }
  free(h);
}

void ks_setowner(lua_State *L, void *owner) { ks_host_of(L)->owner = owner; }
void *ks_owner(lua_State *L) { return ks_host_of(L)->owner; }

void ks_pushnull(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &ks_key_null); }
void ks_pusharraymarker(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &ks_key_arraymt); }
void ks_pushobjectmarker(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &ks_key_objectmt); }

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                      */

/* Records the traceback beside the error and leaves the error value itself unchanged, so a
 * table raised as an error (an API Status) reaches Swift intact. */
static int msghandler(lua_State *L) {
  luaL_traceback(L, L, NULL, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_traceback);
  lua_settop(L, 1);
  return 1;
}

int ks_pcall(lua_State *L, int nargs, int nresults) {
  if (!lua_checkstack(L, 2)) return KS_ERRSTACK;
  int base = lua_gettop(L) - nargs;
  lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_traceback);
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  int status = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  return status;
}

void ks_cleartraceback(lua_State *L) {
  lua_pushnil(L); /* the stack has room: ks_lasttraceback needed it too */
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ks_key_traceback);
}

const char *ks_lasttraceback(lua_State *L, size_t *len) {
  if (!lua_checkstack(L, 1)) return NULL;
  const char *s = NULL;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &ks_key_traceback) == LUA_TSTRING) s = lua_tolstring(L, -1, len);
  lua_pop(L, 1); /* the registry keeps the string alive */
  return s;
}

/* Runs `f` under lua_pcall with the given light userdata and stack arguments. */
static int protect(lua_State *L, lua_CFunction f, void *ud, int nargs, int nresults) {
  if (!lua_checkstack(L, 3)) return KS_ERRSTACK;
  lua_pushcfunction(L, f);
  lua_pushlightuserdata(L, ud);
  lua_rotate(L, -(nargs + 2), 2);
  return lua_pcall(L, nargs + 1, nresults, 0);
}

static int loadfile_k(lua_State *L) {
  const char *path = lua_touserdata(L, 1);
  if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L); /* text only, as load */
  return 1;
}
int ks_ploadfile(lua_State *L, const char *path) { return protect(L, loadfile_k, (void *)path, 0, 1); }

static int pushtape_k(lua_State *L) {
  ks_tape *t = lua_touserdata(L, 1);
  lua_remove(L, 1);
  return ks_pushtape_raw(L, t, 0);
}
int ks_ppushtape(lua_State *L, ks_tape *t, int *count) {
  int before = lua_gettop(L);
  int status = protect(L, pushtape_k, t, 0, LUA_MULTRET);
  *count = status == LUA_OK ? lua_gettop(L) - before : 0;
  return status;
}

static int newfunction_k(lua_State *L) {
  ks_pushfunction_raw(L, lua_touserdata(L, 1));
  return 1;
}
int ks_pnewfunction(lua_State *L, void *box) { return protect(L, newfunction_k, box, 0, 1); }

struct newtype_args { const void *type; const char *name; };

static int newtype_k(lua_State *L) {
  const struct newtype_args *a = lua_touserdata(L, 1);
  lua_createtable(L, 0, 6); /* the metatable */
  lua_pushcfunction(L, box_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushstring(L, a->name);
  lua_setfield(L, -2, "__name");
  lua_pushstring(L, a->name);
  lua_setfield(L, -2, "__metatable"); /* scripts see a name, not __gc */
  lua_pushboolean(L, 1);
  lua_rawsetp(L, -2, &ks_key_box);
  lua_newtable(L); /* the methods */
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_pushvalue(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, a->type);
  return 1;
}
int ks_pnewtype(lua_State *L, const void *type, const char *name) {
  struct newtype_args a = { type, name };
  return protect(L, newtype_k, &a, 0, 1);
}

static int setfield_k(lua_State *L) {
  lua_setfield(L, 2, lua_touserdata(L, 1));
  return 0;
}
int ks_psetfield(lua_State *L, int idx, const char *k) {
  idx = lua_absindex(L, idx);
  if (!lua_checkstack(L, 2)) return KS_ERRSTACK;
  lua_pushvalue(L, idx);
  lua_insert(L, -2); /* ... t v */
  return protect(L, setfield_k, (void *)k, 2, 0);
}

static int getfield_k(lua_State *L) {
  lua_getfield(L, 2, lua_touserdata(L, 1));
  return 1;
}
int ks_pgetfield(lua_State *L, int idx, const char *k) {
  idx = lua_absindex(L, idx);
  if (!lua_checkstack(L, 1)) return KS_ERRSTACK;
  lua_pushvalue(L, idx);
  return protect(L, getfield_k, (void *)k, 1, 1);
}

static int ref_k(lua_State *L) {
  int *ref = lua_touserdata(L, 1);
  *ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}
int ks_pref(lua_State *L, int *ref) { return protect(L, ref_k, ref, 1, 0); }

void ks_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }
void ks_pushref(lua_State *L, int ref) { lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }

static int tostring_k(lua_State *L) {
  luaL_tolstring(L, 2, NULL);
  return 1;
}
int ks_ptostring(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (!lua_checkstack(L, 1)) return KS_ERRSTACK;
  lua_pushvalue(L, idx);
  return protect(L, tostring_k, NULL, 1, 1);
}

static int newtable_k(lua_State *L) {
  lua_newtable(L);
  return 1;
}
int ks_pnewtable(lua_State *L) { return protect(L, newtable_k, NULL, 0, 1); }

/* ---------------------------------------------------------------------------------------- */
/* Ctrl-C, as lua.c: the signal handler only installs a hook; the hook raises inside Lua.     */

static lua_State *volatile sigint_state = NULL;
static volatile sig_atomic_t sigint_pending = 0;

static void sigint_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  sigint_pending = 0;
  luaL_error(L, "interrupted!");
}

static void sigint_action(int sig) {
  int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  signal(sig, SIG_DFL); /* a second Ctrl-C before the hook runs ends the process */
  sigint_pending = 1;
  if (sigint_state != NULL) lua_sethook(sigint_state, sigint_hook, flag, 1);
}

/* An interrupt asked for from another thread arrives as SIGUSR2 sent to the Lua thread, so that,
   as with Ctrl-C, the hook is set on the thread that runs Lua (lua_sethook walks the CallInfos,
   which only that thread may do safely). */
static pthread_t sigint_thread;
static volatile sig_atomic_t sigint_thread_known = 0;

static void interrupt_action(int sig) {
  lua_State *L = sigint_state;
  (void)sig;
  if (L != NULL) lua_sethook(L, sigint_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

void ks_sigint_begin(lua_State *L) {
  static int installed = 0;
  if (!installed) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = interrupt_action;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR2, &action, NULL);
    installed = 1;
  }
  sigint_thread = pthread_self();
  sigint_thread_known = 1;
  sigint_state = L;
  sigint_pending = 0;
  signal(SIGINT, sigint_action);
}

int ks_sigint_pending(void) { return sigint_pending != 0; }

void ks_interrupt(void) {
  sigint_pending = 1;
  if (sigint_thread_known) pthread_kill(sigint_thread, SIGUSR2);
}

void ks_sigint_end(void) {
  signal(SIGINT, SIG_DFL);
  if (sigint_state != NULL) lua_sethook(sigint_state, NULL, 0, 0);
  sigint_state = NULL;
}
