/*
 * Walking a Lua value, deciding each table's shape first (as Neovim's converter does), to
 * write it either to a tape (ks_readvalue) or directly as JSON text (ks_encodejson). Uses only
 * raw, non-allocating API calls, so it never raises and never runs a metamethod. Strings on a
 * tape point into Lua strings, which stay alive while the value read stays on the stack.
 *
 * Shapes: a table with the array marker is an array (elements 1..#t); with the object marker,
 * an object; an unmarked table whose keys are exactly 1..n is an array, one whose keys are all
 * strings an object, an empty one an object. Anything else is an error that names its place.
 */
#include "CLua.h"
#include "internal.h"
#include "json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct keyref {
  const char *s;
  size_t len;
  int idx; /* stack index of the key; its value is at idx + 1 */
} keyref;

typedef struct reader {
  lua_State *L;
  ks_tape *t;
  unsigned flags;
  int json;   /* write JSON text to t's scratch instead of slots */
  int indent; /* JSON: spaces per level, 0 for compact text */
  int depth;
  const void *ancestors[KS_MAX_DEPTH + 1];
  int null_idx, arraymt_idx, objectmt_idx;
  keyref *keys; /* a stack of per-object key segments */
  size_t nkeys, capkeys;
  char *err;
  size_t errlen;
} reader;

static int fail(reader *r, const char *fmt, const char *what) {
  snprintf(r->err, r->errlen, fmt, what);
  return 0;
}

/* Prepends a path segment to the error's location, building " (at spec.containers[1].name)". */
static void prepend_path(reader *r, const char *seg, size_t seglen) {
  size_t used = strlen(r->err);
  char *at = strstr(r->err, " (at ");
  if (at == NULL) {
    if (used + 6 + seglen >= r->errlen) return;
    memcpy(r->err + used, " (at ", 5);
    memcpy(r->err + used + 5, seg, seglen);
    memcpy(r->err + used + 5 + seglen, ")", 2);
    return;
  }
  char *p = at + 5;
  int dot = *p != '[';
  if (used + seglen + (size_t)dot >= r->errlen) return;
  memmove(p + seglen + dot, p, strlen(p) + 1);
  memcpy(p, seg, seglen);
  if (dot) p[seglen] = '.';
}

static int is_identifier(const char *s, size_t len) {
  if (len == 0 || len > 64) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return 0;
  }
  return 1;
}

static void path_key(reader *r, const char *s, size_t len) {
  char seg[96];
  int n;
  if (is_identifier(s, len)) n = snprintf(seg, sizeof seg, "%.*s", (int)len, s);
  else n = snprintf(seg, sizeof seg, "[\"%.*s%s\"]", (int)(len > 60 ? 60 : len), s, len > 60 ? "..." : "");
  prepend_path(r, seg, (size_t)(n < (int)sizeof seg ? n : (int)sizeof seg - 1));
}

static void path_index(reader *r, lua_Integer i) {
  char seg[32];
  int n = snprintf(seg, sizeof seg, "[%lld]", (long long)i);
  prepend_path(r, seg, (size_t)n);
}

static int read_value(reader *r, int idx);

static ks_slot *append(reader *r) {
  ks_slot *s = ks_tape_append(r->t);
  if (s == NULL) fail(r, "%s", "not enough memory");
  return s;
}

/* ---------------------------------------------------------------------------------------- */
/* The two outputs. Each emit_* returns 0 on failure, with the message in r->err.             */

static int emit_slot(reader *r, ks_kind kind, size_t len) {
  ks_slot *s = append(r);
  if (s == NULL) return 0;
  s->kind = kind;
  s->n.len = len;
  return 1;
}

static int emit_begin(reader *r, int object, size_t n) {
  if (r->json) return ks_json_begin(r->t, object, n, r->indent, r->depth) ? 1 : fail(r, "%s", "not enough memory");
  return emit_slot(r, object ? KS_OBJECT : KS_ARRAY, n);
}

static int emit_end(reader *r, int object, size_t n) {
  if (r->json) return ks_json_end(r->t, object, n, r->indent, r->depth) ? 1 : fail(r, "%s", "not enough memory");
  return emit_slot(r, KS_END, 0);
}

/* Before the i-th element (0-based) of an array or value of an object. */
static int emit_element(reader *r, size_t i) {
  if (r->json) return ks_json_element(r->t, i, r->indent, r->depth) ? 1 : fail(r, "%s", "not enough memory");
  return 1;
}

static int emit_string(reader *r, const char *s, size_t len) {
  if (r->json) {
    int status = ks_json_string(r->t, s, len);
    if (status == 0) return fail(r, "%s", "not enough memory");
    if (status < 0) return fail(r, "%s", "cannot encode a string that is not valid UTF-8");
    return 1;
  }
  ks_slot *slot = append(r);
  if (slot == NULL) return 0;
  slot->kind = KS_STRING;
  slot->v.s = s;
  slot->n.len = len;
  return 1;
}

static int emit_key(reader *r, const char *s, size_t len) {
  if (!emit_string(r, s, len)) return 0;
  if (r->json) return ks_json_colon(r->t, r->indent) ? 1 : fail(r, "%s", "not enough memory");
  return 1;
}

static int cmp_keys(const void *a, const void *b) {
  const keyref *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static void sort_keys(keyref *k, size_t n) {
  if (n > 16) {
    qsort(k, n, sizeof *k, cmp_keys);
    return;
  }
  for (size_t i = 1; i < n; i++) { /* insertion sort: objects are mostly small */
    keyref v = k[i];
    size_t j = i;
    while (j > 0 && cmp_keys(&k[j - 1], &v) > 0) {
      k[j] = k[j - 1];
      j--;
    }
    k[j] = v;
  }
}

/* The table at idx is an object: every key must be a string. `marked` says whether it was
 * marked by k8s.object (else its first key was a string). Stack effect: [-0, +0]. */
static int read_object(reader *r, int idx, int marked) {
  lua_State *L = r->L;
  int base = lua_gettop(L);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) { /* leaves k1 v1 k2 v2 ... on the stack */
    if (lua_type(L, -2) != LUA_TSTRING) {
      int number = lua_type(L, -2) == LUA_TNUMBER;
      const char *what = number ? "a number" : luaL_typename(L, -2);
      lua_settop(L, base);
      if (number && !marked) return fail(r, "%s", "cannot encode a table that mixes array items and string keys");
      return fail(r, "cannot encode an object key that is %s (keys must be strings)", what);
    }
    if (!lua_checkstack(L, 3)) {
      lua_settop(L, base);
      return fail(r, "%s", "table too large to encode");
    }
    lua_pushvalue(L, -2);
    n++;
  }
  size_t kbase = r->nkeys;
  if (r->capkeys - r->nkeys < n) {
    size_t want = r->capkeys ? r->capkeys : 64;
    while (want - r->nkeys < n) want *= 2;
    keyref *k = realloc(r->keys, want * sizeof *k);
    if (k == NULL) {
      lua_settop(L, base);
      return fail(r, "%s", "not enough memory");
    }
    r->keys = k;
    r->capkeys = want;
  }
  for (size_t i = 0; i < n; i++) {
    keyref *k = &r->keys[kbase + i];
    k->idx = base + 1 + 2 * (int)i;
    k->s = lua_tolstring(L, k->idx, &k->len);
  }
  r->nkeys += n;
  if (r->flags & KS_READ_SORTKEYS) sort_keys(&r->keys[kbase], n);

  int ok = emit_begin(r, 1, n);
  for (size_t i = 0; ok && i < n; i++) {
    keyref k = r->keys[kbase + i]; /* by value: reading the child may move r->keys */
    if (!emit_element(r, i) || !emit_key(r, k.s, k.len) || !read_value(r, k.idx + 1)) {
      path_key(r, k.s, k.len);
      ok = 0;
    }
  }
  ok = ok && emit_end(r, 1, n);
  r->nkeys = kbase;
  lua_settop(L, base);
  return ok;
}

/* Elements 1..n of the table at idx. Stack effect: [-0, +0]. */
static int read_array(reader *r, int idx, lua_Integer n) {
  lua_State *L = r->L;
  if (!emit_begin(r, 0, (size_t)n)) return 0;
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, idx, i) == LUA_TNIL) {
      lua_pop(L, 1);
      fail(r, "%s", "cannot encode an array with a hole (nil); use k8s.null for JSON null");
      path_index(r, i);
      return 0;
    }
    int ok = emit_element(r, (size_t)(i - 1)) && read_value(r, lua_gettop(L));
    lua_pop(L, 1);
    if (!ok) {
      path_index(r, i);
      return 0;
    }
  }
  return emit_end(r, 0, (size_t)n);
}

/* An unmarked table: decide its shape, then read it. */
static int read_table(reader *r, int idx) {
  lua_State *L = r->L;
  int marked = 0;
  if (lua_getmetatable(L, idx)) {
    if (lua_rawequal(L, -1, r->arraymt_idx)) marked = 1;
    else if (lua_rawequal(L, -1, r->objectmt_idx)) marked = 2;
    lua_pop(L, 1);
  }
  if (marked == 1) return read_array(r, idx, (lua_Integer)lua_rawlen(L, idx));
  if (marked == 2) return read_object(r, idx, 1);

  lua_pushnil(L);
  if (!lua_next(L, idx)) return read_object(r, idx, 0); /* empty: an object */
  int first = lua_type(L, -2);
  int first_integer = lua_isinteger(L, -2);
  lua_pop(L, 2);
  if (first == LUA_TSTRING) return read_object(r, idx, 0);
  if (!first_integer) {
    lua_pushnil(L);
    lua_next(L, idx);
    const char *what = luaL_typename(L, -2);
    lua_pop(L, 2);
    return fail(r, "cannot encode a table key that is a %s", what);
  }
  /* Integer keys: an array if they are exactly 1..n. */
  lua_Integer count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1)) {
      int isstr = lua_type(L, -1) == LUA_TSTRING;
      lua_pop(L, 1);
      return fail(r, "%s", isstr ? "cannot encode a table that mixes array items and string keys"
                                 : "cannot encode a table key that is not a string or an integer");
    }
    lua_Integer k = lua_tointeger(L, -1);
    if (k < 1) {
      lua_pop(L, 1);
      return fail(r, "%s", "cannot encode an array with an index below 1");
    }
    if (k > max) max = k;
    count++;
  }
  if (count != max) return fail(r, "%s", "cannot encode a sparse array (integer keys are not 1..n); use k8s.null for JSON null");
  return read_array(r, idx, count);
}

static int read_value(reader *r, int idx) {
  lua_State *L = r->L;
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      if (r->json) return ks_json_literal(r->t, "null", 4) ? 1 : fail(r, "%s", "not enough memory");
      return emit_slot(r, KS_NIL, 0);
    case LUA_TBOOLEAN: {
      int b = lua_toboolean(L, idx);
      if (r->json) return ks_json_literal(r->t, b ? "true" : "false", b ? 4 : 5) ? 1 : fail(r, "%s", "not enough memory");
      return emit_slot(r, b ? KS_TRUE : KS_FALSE, 0);
    }
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        int64_t i = (int64_t)lua_tointeger(L, idx);
        if (r->json) return ks_json_integer(r->t, i) ? 1 : fail(r, "%s", "not enough memory");
        ks_slot *s = append(r);
        if (s == NULL) return 0;
        s->kind = KS_INTEGER;
        s->v.i = i;
      } else {
        double d = (double)lua_tonumber(L, idx);
        if (isnan(d) || isinf(d)) {
          return fail(r, "cannot encode %s (JSON has no such number)", isnan(d) ? "NaN" : "an infinite number");
        }
        if (r->json) return ks_json_float(r->t, d) ? 1 : fail(r, "%s", "not enough memory");
        ks_slot *s = append(r);
        if (s == NULL) return 0;
        s->kind = KS_FLOAT;
        s->v.d = d;
      }
      return 1;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      return emit_string(r, s, len);
    }
    case LUA_TUSERDATA:
      if (lua_rawequal(L, idx, r->null_idx)) {
        if (r->json) return ks_json_literal(r->t, "null", 4) ? 1 : fail(r, "%s", "not enough memory");
        return emit_slot(r, KS_NULL, 0);
      }
      return fail(r, "cannot encode a %s value", luaL_typename(L, idx));
    case LUA_TTABLE: {
      const void *p = lua_topointer(L, idx);
      for (int i = 0; i < r->depth; i++) {
        if (r->ancestors[i] == p) return fail(r, "%s", "cannot encode a table that contains itself (a cycle)");
      }
      if (r->depth >= KS_MAX_DEPTH) return fail(r, "cannot encode a value nested deeper than %s levels", "1000");
      if (!lua_checkstack(L, 4)) return fail(r, "%s", "value too deeply nested");
      r->ancestors[r->depth++] = p;
      int ok = read_table(r, idx);
      r->depth--;
      return ok;
    }
    default:
      return fail(r, "cannot encode a %s value", luaL_typename(L, idx));
  }
}

/* Walks the value at idx with a reader set up for `t`; cleans up after itself. */
static int walk(lua_State *L, int idx, ks_tape *t, unsigned flags, int json, int indent, char *err, size_t errlen) {
  reader *r = malloc(sizeof *r);
  if (r == NULL || !lua_checkstack(L, 4)) {
    free(r);
    snprintf(err, errlen, "not enough memory");
    return 0;
  }
  idx = lua_absindex(L, idx);
  r->L = L;
  r->t = t;
  r->flags = flags;
  r->json = json;
  r->indent = indent;
  r->depth = 0;
  r->keys = NULL;
  r->nkeys = r->capkeys = 0;
  r->err = err;
  r->errlen = errlen;
  err[0] = 0;
  int base = lua_gettop(L);
  ks_pushnull(L);
  ks_pusharraymarker(L);
  ks_pushobjectmarker(L);
  r->null_idx = base + 1;
  r->arraymt_idx = base + 2;
  r->objectmt_idx = base + 3;
  int ok = read_value(r, idx);
  lua_settop(L, base);
  free(r->keys);
  free(r);
  return ok;
}

int ks_readvalue(lua_State *L, int idx, ks_tape *t, unsigned flags, char *err, size_t errlen) {
  return walk(L, idx, t, flags, 0, 0, err, errlen);
}

int ks_encodejson(lua_State *L, int idx, ks_tape *t, int indent, size_t *offset, size_t *len, char *err, size_t errlen) {
  size_t start = t->scratch_len;
  int ok = walk(L, idx, t, KS_READ_SORTKEYS, 1, indent < 0 ? 0 : indent > 16 ? 16 : indent, err, errlen);
  *offset = start;
  *len = ok ? t->scratch_len - start : 0;
  if (!ok) t->scratch_len = start;
  return ok;
}
