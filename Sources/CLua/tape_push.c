/*
 * Pushing a tape: builds the Lua values a tape describes, iteratively (no C recursion), with
 * every table created at its final size. Decoded arrays get the array marker metatable, so
 * they stay arrays when re-encoded even if a script empties them.
 */
#include "CLua.h"
#include "internal.h"

typedef struct frame {
  int is_object;
  size_t remaining; /* values still to assign into this container */
  lua_Integer next_index;
  int expect_key;
} frame;

/* Stack effect: [-0, +n], where n is the returned count of top-level values. Raises on memory
 * errors and on a malformed tape. */
int ks_pushtape_raw(lua_State *L, ks_tape *t) {
  frame frames[KS_MAX_DEPTH + 1];
  int depth = 0;
  int pushed = 0;
  /* Two fixed slots below the values: the null sentinel and the array marker. */
  luaL_checkstack(L, 4, "value too large");
  int base = lua_gettop(L);
  ks_pushnull(L);
  ks_pusharraymarker(L);
  int null_idx = base + 1, arraymt_idx = base + 2;

  for (size_t i = 0; i < t->count; i++) {
    const ks_slot *s = &t->slots[i];
    luaL_checkstack(L, 3, "value too deeply nested");
    int container = 0;
    switch (s->kind) {
      case KS_NIL: lua_pushnil(L); break;
      case KS_FALSE: lua_pushboolean(L, 0); break;
      case KS_TRUE: lua_pushboolean(L, 1); break;
      case KS_INTEGER: lua_pushinteger(L, (lua_Integer)s->v.i); break;
      case KS_FLOAT: lua_pushnumber(L, (lua_Number)s->v.d); break;
      case KS_STRING: lua_pushlstring(L, s->v.s, s->n.len); break;
      case KS_SCRATCH_STRING: lua_pushlstring(L, t->scratch + s->v.offset, s->n.len); break;
      case KS_NULL: lua_pushvalue(L, null_idx); break;
      case KS_ARRAY:
        lua_createtable(L, s->n.len > INT32_MAX ? INT32_MAX : (int)s->n.len, 0);
        lua_pushvalue(L, arraymt_idx);
        lua_setmetatable(L, -2);
        container = 1;
        break;
      case KS_OBJECT:
        lua_createtable(L, 0, s->n.len > INT32_MAX ? INT32_MAX : (int)s->n.len);
        container = 2;
        break;
      case KS_REF: lua_rawgeti(L, LUA_REGISTRYINDEX, (lua_Integer)s->v.i); break;
      case KS_FUNCTION: ks_pushfunction_raw(L, s->v.p); break;
      case KS_USERDATA: ks_pushuserdata_raw(L, s->v.p, s->n.type); break;
      default: return luaL_error(L, "malformed value tape (kind %d)", (int)s->kind);
    }
    if (container && s->n.len > 0) {
      if (depth == KS_MAX_DEPTH) return luaL_error(L, "value nested deeper than %d levels", KS_MAX_DEPTH);
      frame *f = &frames[++depth];
      f->is_object = container == 2;
      f->remaining = s->n.len;
      f->next_index = 1;
      f->expect_key = f->is_object;
      continue;
    }
    /* A complete value is on top: store it into the enclosing containers that it completes. */
    while (depth > 0) {
      frame *f = &frames[depth];
      if (f->expect_key) { /* this value was a key; its value comes next */
        f->expect_key = 0;
        break;
      }
      if (f->is_object) {
        lua_rawset(L, -3);
        f->expect_key = 1;
      } else {
        lua_rawseti(L, -2, f->next_index++);
      }
      if (--f->remaining > 0) break;
      depth--; /* the container itself is now a complete value */
      if (depth > 0 && frames[depth].expect_key) {
        /* a table cannot be an object key; the tape writers never produce this */
        return luaL_error(L, "malformed value tape (table as key)");
      }
    }
    if (depth == 0) pushed++;
  }
  if (depth != 0) return luaL_error(L, "malformed value tape (unfinished container)");
  lua_remove(L, arraymt_idx);
  lua_remove(L, null_idx);
  return pushed;
}
