/*
 * CLua: the Lua 5.4 C API (Debian's liblua5.4-dev) plus the C half of the KubeScript host.
 *
 * Everything here that can raise a Lua error runs either inside Lua (the trampoline, the tape
 * pusher) or under lua_pcall (the ks_p* helpers), so a longjmp never crosses a Swift frame.
 * Functions Swift may call directly are marked "never raises".
 */
#ifndef CLUA_H
#define CLUA_H

#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting of tables the value bridge converts, in either direction. */
#define KS_MAX_DEPTH 1000

/* ------------------------------------------------------------------------------------------
 * The value tape: a flat, pre-order list of values that carries data between Swift and Lua.
 * Swift writes tapes (decoded JSON/YAML, function results) and C pushes them as Lua values;
 * C reads Lua values into tapes and Swift serializes them. A container is its header, its
 * elements (objects: key, value, key, value...) and a KS_END slot; the header's n.len is the
 * element count when known (tables are then created at their final size), else 0.
 * A tape can be pushed in pieces (ks_ppushpartial), so a large value streams through a small one.
 * ------------------------------------------------------------------------------------------ */
typedef enum ks_kind {
  KS_NIL = 0,
  KS_FALSE,
  KS_TRUE,
  KS_INTEGER,        /* v.i */
  KS_FLOAT,          /* v.d */
  KS_STRING,         /* v.s, n.len: bytes that stay alive until the tape is pushed */
  KS_SCRATCH_STRING, /* v.offset, n.len: bytes in the tape's scratch buffer */
  KS_NULL,           /* the JSON null sentinel (k8s.null) */
  KS_ARRAY,          /* n.len: element count or 0; elements and KS_END follow */
  KS_OBJECT,         /* n.len: pair count or 0; key/value pairs (keys are strings) and KS_END follow */
  KS_END,            /* closes the innermost open container */
  KS_REF,            /* v.i: a registry reference, pushed as the value it refers to */
  KS_FUNCTION,       /* v.p: a retained Swift function box, pushed as a closure owning it */
  KS_USERDATA,       /* v.p: a retained Swift object box; n.type: its registered type key */
  KS_STACK,          /* v.i: the value at this (absolute) stack index, pushed again */
} ks_kind;

typedef struct ks_slot {
  uint32_t kind;
  uint32_t flags;
  union { size_t len; const void *type; } n;
  union { int64_t i; double d; const char *s; size_t offset; void *p; } v;
} ks_slot;

typedef struct ks_tape {
  ks_slot *slots;
  size_t count, capacity;
  char *scratch;
  size_t scratch_len, scratch_cap;
  struct ks_tape *next_free; /* the state's pool of idle tapes */
  struct ks_tape *next_all;  /* every tape the state made, freed at close */
} ks_tape;

/* Ensures room for `n` more slots. Returns 0 when memory is exhausted. Never raises. */
int ks_tape_reserve(ks_tape *t, size_t n);
/* Ensures room for `n` more scratch bytes. Returns 0 when memory is exhausted. Never raises. */
int ks_tape_reserve_scratch(ks_tape *t, size_t n);

/* Appends one slot (zeroed kind NIL); NULL when memory is exhausted. Never raises. */
static inline ks_slot *ks_tape_append(ks_tape *t) {
  if (t->count == t->capacity && !ks_tape_reserve(t, 1)) return NULL;
  ks_slot *s = &t->slots[t->count++];
  s->flags = 0;
  return s;
}

/* Takes an idle tape from the state's pool (or makes one); NULL when out of memory. Never raises. */
ks_tape *ks_tape_acquire(lua_State *L);
/* Empties a tape and returns it to the pool. Never raises. */
void ks_tape_release(lua_State *L, ks_tape *t);

/* ------------------------------------------------------------------------------------------
 * The state and its host.
 * ------------------------------------------------------------------------------------------ */

/* Called by the trampoline with the function's box. Writes results (or, returning KS_RAISE,
 * one error value) to `results`; returns the status. Must not raise. */
typedef int (*ks_dispatch_fn)(lua_State *L, void *box, ks_tape *results);
/* Releases a Swift box when the Lua value that owned it is collected. Must not raise. */
typedef void (*ks_release_fn)(void *box);

#define KS_RETURN 0
#define KS_RAISE (-1)
/* Like KS_RAISE, but a string error value gets no "chunk:line:" prefix. */
#define KS_RAISE_PLAIN (-2)

/* Opens a state with the standard libraries and the host's registry entries (the null sentinel,
 * the array and object marker metatables). NULL when it cannot. Never raises. */
lua_State *ks_newstate(ks_dispatch_fn dispatch, ks_release_fn release);
/* The Swift object that owns the state (unretained). Never raise. */
void ks_setowner(lua_State *L, void *owner);
void *ks_owner(lua_State *L);
/* Closes the state, releasing every box it still owns and every tape. */
void ks_close(lua_State *L);

/* Pushes the sentinel, array marker or object marker. Never raises (the stack must have room). */
void ks_pushnull(lua_State *L);
void ks_pusharraymarker(lua_State *L);
void ks_pushobjectmarker(lua_State *L);

/* The box of a Swift object at `idx` when it is one of type `type`, else NULL. Never raises. */
void *ks_tobox(lua_State *L, int idx, const void *type);

/* The traceback recorded by the last ks_pcall that failed, or NULL; ks_cleartraceback forgets
 * it once read, so it is never given to a later, unrelated error. Never raise. */
const char *ks_lasttraceback(lua_State *L, size_t *len);
void ks_cleartraceback(lua_State *L);

/* Catches SIGINT while a chunk runs, as lua.c does: the handler only sets a hook, and the hook
 * raises "interrupted!" inside Lua at the next instruction count. A second Ctrl-C before the
 * hook runs kills the process (the handler restores the default). */
void ks_sigint_begin(lua_State *L);
void ks_sigint_end(void);
/* Whether a Ctrl-C arrived that Lua has not yet raised: a blocking Swift call (a watch, a
 * wait) polls it and returns early, so that the hook raises "interrupted!" in Lua. */
int ks_sigint_pending(void);
/* What Ctrl-C does, asked for from any thread: the running chunk raises "interrupted!" at its next
   instruction, and blocking waits that poll ks_sigint_pending return (SIGTERM's grace period over).
   The Lua thread is signalled (SIGUSR2) to set the hook itself. */
void ks_interrupt(void);

/* ------------------------------------------------------------------------------------------
 * Protected helpers: each returns a Lua status (LUA_OK or an error code, with the error value
 * on top of the stack) and never raises. KS_ERRSTACK means the stack could not grow to run the
 * helper: then nothing was pushed, not even an error value.
 * ------------------------------------------------------------------------------------------ */
#define KS_ERRSTACK 100

/* lua_pcall with a message handler that records a traceback (see ks_lasttraceback). */
int ks_pcall(lua_State *L, int nargs, int nresults);
/* Loads a file as a chunk named "@path" (a leading "#" line is skipped). */
int ks_ploadfile(lua_State *L, const char *path);
/* Pushes every value of the tape; *count receives how many. */
int ks_ppushtape(lua_State *L, ks_tape *t, int *count);

/* Pushing a tape in pieces: the state of the containers still open between pieces. */
typedef struct ks_pushframe {
  int is_object;
  int expect_key;
  lua_Integer next_index;
} ks_pushframe;

typedef struct ks_pushstate {
  int base;    /* stack top when the push began */
  int frame;   /* whether KS_STACK slots may be used (see ks_pushtape_raw) */
  int depth;   /* open containers */
  int values;  /* complete top-level values pushed */
  ks_pushframe frames[KS_MAX_DEPTH + 1];
} ks_pushstate;

/* Begins a push in pieces (records the stack top). Never raises. */
void ks_pushbegin(lua_State *L, ks_pushstate *ps);
/* Pushes the slots of `t` so far, continuing the containers left open by earlier pieces. The
 * partial tables stay on the stack above ps->base. On error the caller restores the top. */
int ks_ppushpartial(lua_State *L, ks_tape *t, ks_pushstate *ps);
/* Ends a push in pieces: every container must be closed. Leaves the values on the stack. */
int ks_pushend(lua_State *L, ks_pushstate *ps, int *count);

/* Pushes a closure that calls the dispatcher with `box`; the closure owns the box. */
int ks_pnewfunction(lua_State *L, void *box);
/* Creates the metatable for Swift objects of `type` (__name, __gc, __index = methods table)
 * and leaves the methods table on the stack. */
int ks_pnewtype(lua_State *L, const void *type, const char *name);
/* t[k] = v, with t at `idx` and v on top (popped). */
int ks_psetfield(lua_State *L, int idx, const char *k);
/* Pushes t[k] with t at `idx`. */
int ks_pgetfield(lua_State *L, int idx, const char *k);
/* Pops the top value and stores a registry reference to it in *ref. */
int ks_pref(lua_State *L, int *ref);
/* Pushes luaL_tolstring of the value at `idx` (runs __tostring). */
int ks_ptostring(lua_State *L, int idx);
/* Pushes a new empty table. */
int ks_pnewtable(lua_State *L);

/* Releases a registry reference. Never raises. */
void ks_unref(lua_State *L, int ref);
/* Pushes the value of a registry reference. Never raises (the stack must have room). */
void ks_pushref(lua_State *L, int ref);

/* ------------------------------------------------------------------------------------------
 * Reading Lua values into a tape. Never raises: on failure it returns 0 and writes a message,
 * naming where in the value the problem is, to `err`.
 * ------------------------------------------------------------------------------------------ */

/* Read flags. */
#define KS_READ_SORTKEYS 1u  /* object keys in byte order, as encoding/json writes maps */

int ks_readvalue(lua_State *L, int idx, ks_tape *t, unsigned flags, char *err, size_t errlen);

/* Encodes the value at `idx` as JSON text appended to the tape's scratch buffer (object keys
 * in byte order; `indent` > 0 pretty-prints), by the same shape rules as ks_readvalue, which
 * also words its errors. *offset and *len receive where the text is. Never raises. */
int ks_encodejson(lua_State *L, int idx, ks_tape *t, int indent, size_t *offset, size_t *len,
                  char *err, size_t errlen);

/* ------------------------------------------------------------------------------------------
 * Macros and variadic functions of the C API, as functions Swift can call. Never raise.
 * ------------------------------------------------------------------------------------------ */
static inline void ks_pop(lua_State *L, int n) { lua_settop(L, -(n)-1); }
static inline long long ks_gccount(lua_State *L) { return (long long)lua_gc(L, LUA_GCCOUNT) * 1024 + lua_gc(L, LUA_GCCOUNTB); }
static inline void ks_gccollect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
static inline int ks_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void ks_pushglobaltable(lua_State *L) { lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); }
static inline void ks_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void ks_insert(lua_State *L, int idx) { lua_insert(L, idx); }

#endif
