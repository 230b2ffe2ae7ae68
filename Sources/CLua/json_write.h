/*
 * Writing JSON text for ks_encodejson (included by tape_read.c only, so the compiler can inline
 * these into the walker): strings escaped (and checked to be UTF-8) eight bytes at a time,
 * integers exactly, floats in the shortest text that reads back as the same float. Each writer
 * appends to the tape's scratch buffer and returns 0 when memory is exhausted;
 * ks_json_string returns -1 for invalid UTF-8.
 */
#ifndef CLUA_JSON_WRITE_H
#define CLUA_JSON_WRITE_H

#include "CLua.h"
#include "internal.h"

#include <string.h>

static inline char *reserve(ks_tape *t, size_t n) {
  if (t->scratch_cap - t->scratch_len < n && !ks_tape_reserve_scratch(t, n)) return NULL;
  return t->scratch + t->scratch_len;
}

static inline int put(ks_tape *t, const char *s, size_t n) {
  char *out = reserve(t, n);
  if (out == NULL) return 0;
  memcpy(out, s, n);
  t->scratch_len += n;
  return 1;
}

static int newline(ks_tape *t, int indent, int depth) {
  size_t n = 1 + (size_t)indent * (size_t)depth;
  char *out = reserve(t, n);
  if (out == NULL) return 0;
  out[0] = '\n';
  memset(out + 1, ' ', n - 1);
  t->scratch_len += n;
  return 1;
}

/* Whether any of the eight bytes of `w` is '"', '\\', below 0x20, or 0x80 and above: the bytes a
 * JSON string scanner must look at one by one. */
static inline int needs_attention(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t q = w ^ (ones * 0x22), b = w ^ (ones * 0x5C);
  uint64_t hits = ((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w;
  return (hits & highs) != 0;
}

/* The length of the valid UTF-8 sequence at p (whose first byte is 0x80 or above), or 0.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static inline size_t utf8_sequence(const unsigned char *p, size_t available) {
  unsigned char c0 = p[0];
  if (c0 >= 0xC2 && c0 <= 0xDF) return available >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (available < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c0 == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
    if (c0 == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (available < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    if (c0 == 0xF0 && p[1] < 0x90) return 0; /* overlong */
    if (c0 == 0xF4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

static inline int ks_json_begin(ks_tape *t, int object, size_t n, int indent, int depth) {
  (void)n, (void)indent, (void)depth;
  return put(t, object ? "{" : "[", 1);
}

static inline int ks_json_end(ks_tape *t, int object, size_t n, int indent, int depth) {
  if (n > 0 && indent > 0 && !newline(t, indent, depth - 1)) return 0;
  return put(t, object ? "}" : "]", 1);
}

static inline int ks_json_element(ks_tape *t, size_t i, int indent, int depth) {
  if (i > 0 && !put(t, ",", 1)) return 0;
  return indent > 0 ? newline(t, indent, depth) : 1;
}

static inline int ks_json_colon(ks_tape *t, int indent) { return put(t, ": ", indent > 0 ? 2 : 1); }

static inline int ks_json_literal(ks_tape *t, const char *s, size_t len) { return put(t, s, len); }

static inline int ks_json_integer(ks_tape *t, int64_t v) {
  char buf[24], *p = buf + sizeof buf;
  uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + m % 10);
    m /= 10;
  } while (m > 0);
  if (v < 0) *--p = '-';
  return put(t, p, (size_t)(buf + sizeof buf - p));
}

static inline int ks_json_float(ks_tape *t, double d) {
  char buf[40];
  int n = ks_formatdouble(d, buf);
  return put(t, buf, (size_t)n);
}

/* ---------------------------------------------------------------------------------------- */
/* Strings                                                                                    */

static inline int ks_json_string(ks_tape *t, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  /* Room for the worst case (every byte a \u00XX escape), so the loop writes without checks. */
  if (n > (SIZE_MAX - 2) / 6 || reserve(t, 6 * n + 2 + 8) == NULL) return 0;
  char *out = t->scratch + t->scratch_len, *start = out;
  *out++ = '"';
  size_t i = 0;
  while (i < n) {
    while (n - i >= 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (needs_attention(w)) break;
      memcpy(out, &w, 8);
      out += 8;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = s[i];
    if (c >= 0x80) {
      size_t l = utf8_sequence(s + i, n - i);
      if (l == 0) return -1;
      memcpy(out, s + i, l);
      out += l;
      i += l;
      continue;
    }
    i++;
    if (c != '"' && c != '\\' && c >= 0x20) {
      *out++ = (char)c;
      continue;
    }
    *out++ = '\\';
    switch (c) {
      case '"': *out++ = '"'; break;
      case '\\': *out++ = '\\'; break;
      case '\n': *out++ = 'n'; break;
      case '\r': *out++ = 'r'; break;
      case '\t': *out++ = 't'; break;
      case '\b': *out++ = 'b'; break;
      case '\f': *out++ = 'f'; break;
      default:
        *out++ = 'u';
        *out++ = '0';
        *out++ = '0';
        *out++ = "0123456789abcdef"[c >> 4];
        *out++ = "0123456789abcdef"[c & 15];
    }
  }
  *out++ = '"';
  t->scratch_len += (size_t)(out - start);
  return 1;
}

#endif
