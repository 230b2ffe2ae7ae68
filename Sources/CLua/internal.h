/* Private to the C half of the host. */
#ifndef CLUA_INTERNAL_H
#define CLUA_INTERNAL_H

#include "CLua.h"

/* Per-state data, kept in the state's extra space (copied to every coroutine). */
typedef struct ks_host {
  ks_dispatch_fn dispatch;
  ks_release_fn release;
  ks_tape *free_tapes;
  ks_tape *all_tapes;
  void *owner; /* the Swift LuaState, unretained */
} ks_host;

static inline ks_host *ks_host_of(lua_State *L) { return *(ks_host **)lua_getextraspace(L); }

/* The block of a userdata that owns a Swift box. `type` is NULL for function boxes. `magic`
 * (with the block's size and the metatable's marker) tells our boxes from any other userdata
 * a script might hand to __gc or slip into an upvalue with the debug library. */
#define KS_BOX_MAGIC 0x4B53424Fu
typedef struct ks_boxud {
  void *box;
  const void *type;
  uint32_t magic;
} ks_boxud;

/* The box userdata at idx, or NULL when the value is anything else. Never raises. */
ks_boxud *ks_boxat(lua_State *L, int idx);

extern const char ks_key_null, ks_key_arraymt, ks_key_objectmt, ks_key_box, ks_key_traceback;

/* These raise on failure, so they run only inside Lua or under lua_pcall. */
/* Returns the number of values pushed. KS_STACK slots are allowed only when `frame` is set:
 * in a function's results, whose indices are in the trampoline's own frame. */
int ks_pushtape_raw(lua_State *L, ks_tape *t, int frame);
void ks_pushfunction_raw(lua_State *L, void *box);
void ks_pushuserdata_raw(lua_State *L, void *box, const void *type);
int ks_constant(lua_State *L); /* returns its first upvalue */

/* Formats a finite double in the shortest text that reads back as the same value, with a "."
 * or an exponent; returns the length (at most 32). */
int ks_formatdouble(double d, char *buf);

#endif
