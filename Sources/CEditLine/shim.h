/* Line editing for the REPL: Debian's libedit (libedit-dev), through its readline-compatible
 * API. Completion calls back into Swift with the whole line up to the cursor. */
#ifndef KUBESCRIPT_CEDITLINE_H
#define KUBESCRIPT_CEDITLINE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>

/* Swift's completer: given the line up to the cursor, the candidates for the word being typed
 * (a NULL-terminated array of malloc'd strings, or NULL). */
typedef char **(*ks_completer)(const char *line, const char *word);
static ks_completer ks_current_completer = NULL;

static char **ks_complete(const char *text, int start, int end) {
  (void)end;
  rl_attempted_completion_over = 1; /* never fall back to file names */
  rl_completion_append_character = '\0'; /* no space after a name: a quote or ( may follow */
  if (ks_current_completer == NULL) return NULL;
  char *line = strndup(rl_line_buffer, (size_t)start + strlen(text));
  char **matches = ks_current_completer(line, text);
  free(line);
  return matches;
}

/* Installs `completer` for Tab; words break at spaces, brackets, quotes, dots and colons. */
static inline void ks_editline_setup(ks_completer completer) {
  ks_current_completer = completer;
  rl_readline_name = "kubescript";
  rl_basic_word_break_characters = " \t\n\"'(){}[],.:=+-*/<>~";
  rl_attempted_completion_function = ks_complete;
}
#endif
