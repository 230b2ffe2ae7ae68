#ifndef KS_CPROCESS_H
#define KS_CPROCESS_H

#include <sys/types.h>

/* Starts `path` (looked up in PATH when `search` is non-zero) with `argv` and `envp` (both
   NULL-terminated), in `directory` unless it is NULL, with `in`, `out` and `err` as its
   descriptors 0, 1 and 2, every other descriptor closed, default signal dispositions and an
   empty signal mask. Returns 0 and sets `*pid`, or an errno value. */
int ks_spawn(pid_t *pid, const char *path, int search, char *const argv[], char *const envp[],
             const char *directory, int in, int out, int err);

/* A pipe whose two ends close on exec: 0, or an errno value. */
int ks_pipe(int fds[2]);

#endif
