/* Locale-independent number formatting for the JSON encoder: os.setlocale cannot change it. */
#define _GNU_SOURCE
#include "CLua.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

int ks_formatdouble(double d, char *buf) {
  pthread_once(&c_locale_once, make_c_locale);
  locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;
  int n = 0;
  for (int precision = 15; precision <= 17; precision++) { /* the shortest that reads back the same */
    n = snprintf(buf, 32, "%.*g", precision, d);
    if (strtod(buf, NULL) == d) break;
  }
  if (previous) uselocale(previous);
  if (strpbrk(buf, ".eEn") == NULL) { /* looks like an integer: keep it a float */
    buf[n++] = '.';
    buf[n++] = '0';
    buf[n] = 0;
  }
  return n;
}
