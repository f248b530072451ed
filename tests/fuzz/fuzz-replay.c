/*
 * Copyright (c) 2026 The ovs-nve authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* The driver of a fuzzing harness in builds without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once over each file named on the command line,
 * or over each regular file of a directory so named, in name order, each
 * from a buffer of exactly its size.  Prints how many inputs it ran. */

#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "util.h"

static void
usage(const char *name)
{
    printf("usage: %s FILE|DIRECTORY...\n"
           "Runs a fuzzing harness once over each FILE and over each file "
           "of each DIRECTORY.\n", name);
}

/* Runs the harness over the file at 'path'.  Returns false if it cannot be
 * read. */
static bool
replay_file(const char *path)
{
    FILE *stream = fopen(path, "rb");
    if (!stream) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return false;
    }

    size_t size = 0, allocated = 4096;
    uint8_t *data = xmalloc(allocated);
    size_t n;
    while ((n = fread(data + size, 1, allocated - size, stream))) {
        size += n;
        if (size == allocated) {
            data = x2nrealloc(data, &allocated, 1);
        }
    }
    bool ok = !ferror(stream);
    fclose(stream);
    if (!ok) {
        fprintf(stderr, "%s: read error\n", path);
        free(data);
        return false;
    }

    /* A buffer of exactly 'size' bytes, so that a sanitizer sees any read
     * past the end. */
    uint8_t *input = xmemdup(data, size);
    free(data);
    LLVMFuzzerTestOneInput(input, size);
    free(input);
    return true;
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

/* Runs the harness over every regular file in 'dir'.  Returns the number
 * of files run, or -1 on error. */
static long
replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }

    char **names = NULL;
    size_t n_names = 0, allocated = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n_names >= allocated) {
            names = x2nrealloc(names, &allocated, sizeof *names);
        }
        names[n_names++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n_names, sizeof *names, compare_names);

    long n_run = 0;
    for (size_t i = 0; i < n_names; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct stat s;

        if (!stat(path, &s) && S_ISREG(s.st_mode)) {
            if (!replay_file(path)) {
                n_run = -1;
            } else if (n_run >= 0) {
                n_run++;
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return n_run;
}

int
main(int argc, char *argv[])
{
    long n_run = 0;
    bool ok = true;

    if (argc < 2 || !strcmp(argv[1], "--help")) {
        usage(argv[0]);
        return argc < 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat s;

        if (stat(argv[i], &s)) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            ok = false;
        } else if (S_ISDIR(s.st_mode)) {
            long n = replay_dir(argv[i]);
            if (n < 0) {
                ok = false;
            } else {
                n_run += n;
            }
        } else if (replay_file(argv[i])) {
            n_run++;
        } else {
            ok = false;
        }
    }
    printf("%ld inputs run\n", n_run);
    return ok ? 0 : 1;
}
