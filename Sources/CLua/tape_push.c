/*
 * Pushing a tape: builds the Lua values a tape describes, iteratively (no C recursion). A push
 * can be done in pieces: the open containers stay on the Lua stack, and their frames in a
 * ks_pushstate, between pieces. Tables whose header carries a count are created at that size.
 * Decoded arrays get the array marker metatable, so they stay arrays when re-encoded even if a
 * script empties them.
 *
 * Stack layout during a push: [base+1] the null sentinel, [base+2] the array marker, then the
 * complete top-level values and the open containers (with a pending key above an object).
 */
#include "CLua.h"
#include "internal.h"

#define NULL_IDX(ps) ((ps)->base + 1)
#define ARRAYMT_IDX(ps) ((ps)->base + 2)

void ks_pushbegin(lua_State *L, ks_pushstate *ps) {
  ps->base = lua_gettop(L);
  ps->frame = 0;
  ps->depth = 0;
  ps->values = 0;
}

static void createtable(lua_State *L, size_t n, int object) {
  int size = n > (1u << 26) ? (1 << 26) : (int)n; /* a hint: Lua refuses larger tables anyway */
  lua_createtable(L, object ? 0 : size, object ? size : 0);
}

/* Raises on memory errors and on a malformed tape. Stack effect: the complete values and open
 * containers of the slots consumed. */
static void pushpartial(lua_State *L, ks_tape *t, ks_pushstate *ps) {
  if (ps->values == 0 && ps->depth == 0 && lua_gettop(L) == ps->base) {
    luaL_checkstack(L, 4, "value too large");
    ks_pushnull(L);
    ks_pusharraymarker(L);
  }
  for (size_t i = 0; i < t->count; i++) {
    ks_slot *s = &t->slots[i];
    luaL_checkstack(L, 3, "value too deeply nested");
    switch (s->kind) {
      case KS_NIL: lua_pushnil(L); break;
      case KS_FALSE: lua_pushboolean(L, 0); break;
      case KS_TRUE: lua_pushboolean(L, 1); break;
      case KS_INTEGER: lua_pushinteger(L, (lua_Integer)s->v.i); break;
      case KS_FLOAT: lua_pushnumber(L, (lua_Number)s->v.d); break;
      case KS_STRING: lua_pushlstring(L, s->v.s, s->n.len); break;
      case KS_SCRATCH_STRING: lua_pushlstring(L, t->scratch + s->v.offset, s->n.len); break;
      case KS_NULL: lua_pushvalue(L, NULL_IDX(ps)); break;
      case KS_REF: lua_rawgeti(L, LUA_REGISTRYINDEX, (lua_Integer)s->v.i); break;
      case KS_FUNCTION: /* Lua owns the box now: a failed push must not release it again */
        ks_pushfunction_raw(L, s->v.p);
        s->v.p = NULL;
        break;
      case KS_USERDATA:
        ks_pushuserdata_raw(L, s->v.p, s->n.type);
        s->v.p = NULL;
        break;
      case KS_STACK:
        if (!ps->frame) luaL_error(L, "malformed value tape (a stack value outside a function's results)");
        lua_pushvalue(L, (int)s->v.i);
        break;
      case KS_ARRAY:
      case KS_OBJECT: {
        if (ps->depth > 0 && ps->frames[ps->depth].expect_key) luaL_error(L, "malformed value tape (table as key)");
        if (ps->depth == KS_MAX_DEPTH) luaL_error(L, "value nested deeper than %d levels", KS_MAX_DEPTH);
        int object = s->kind == KS_OBJECT;
        createtable(L, s->n.len, object);
        if (!object) {
          lua_pushvalue(L, ARRAYMT_IDX(ps));
          lua_setmetatable(L, -2);
        }
        ks_pushframe *f = &ps->frames[++ps->depth];
        f->is_object = object;
        f->expect_key = object;
        f->next_index = 1;
        continue;
      }
      case KS_END:
        if (ps->depth == 0) luaL_error(L, "malformed value tape (end without container)");
        if (ps->frames[ps->depth].is_object && !ps->frames[ps->depth].expect_key) {
          luaL_error(L, "malformed value tape (key without value)");
        }
        ps->depth--; /* the container on top is now a complete value */
        break;
      default:
        luaL_error(L, "malformed value tape (kind %d)", (int)s->kind);
    }
    /* A complete value is on top: store it into the enclosing container. */
    if (ps->depth == 0) {
      ps->values++;
      continue;
    }
    ks_pushframe *f = &ps->frames[ps->depth];
    if (f->is_object) {
      if (f->expect_key) { /* this value is a key; its value comes next */
        f->expect_key = 0;
        continue;
      }
      lua_rawset(L, -3);
      f->expect_key = 1;
    } else {
      lua_rawseti(L, -2, f->next_index++);
    }
  }
}

static int pushpartial_k(lua_State *L) {
  ks_tape *t = lua_touserdata(L, -2);
  ks_pushstate *ps = lua_touserdata(L, -1);
  lua_pop(L, 2);
  pushpartial(L, t, ps);
  return lua_gettop(L); /* everything, back to the caller's frame */
}

int ks_ppushpartial(lua_State *L, ks_tape *t, ks_pushstate *ps) {
  /* The pushes must land on this stack frame, so the helper runs as a protected call that
   * keeps its results: lua_pcall moves them down over the function slot. */
  if (!lua_checkstack(L, 3)) return KS_ERRSTACK;
  int top = lua_gettop(L);
  lua_pushcfunction(L, pushpartial_k);
  /* Everything above ps->base must move into the call and back: rotate the function below. */
  int n = top - ps->base;
  lua_insert(L, ps->base + 1);
  lua_pushlightuserdata(L, t);
  lua_pushlightuserdata(L, ps);
  int shifted = ps->base;
  ps->base = 0; /* inside the call, indices count from the called function's frame */
  int status = lua_pcall(L, n + 2, LUA_MULTRET, 0);
  ps->base = shifted;
  return status;
}

int ks_pushend(lua_State *L, ks_pushstate *ps, int *count) {
  *count = 0;
  if (ps->depth != 0) return 0;
  if (lua_gettop(L) > ps->base) { /* remove the sentinel and the marker */
    lua_remove(L, ps->base + 1);
    lua_remove(L, ps->base + 1);
  }
  *count = ps->values;
  return 1;
}

int ks_pushtape_raw(lua_State *L, ks_tape *t, int frame) {
  ks_pushstate ps; /* on the C stack: a raised error unwinds it with nothing to free */
  ks_pushbegin(L, &ps);
  ps.frame = frame;
  pushpartial(L, t, &ps);
  int count;
  if (!ks_pushend(L, &ps, &count)) return luaL_error(L, "malformed value tape (unfinished container)");
  return count;
}
