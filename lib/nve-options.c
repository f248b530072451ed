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

/* Parsing of the command-line options that several programs of ovs-nve
 * share (see nve-options.h for which and how a program takes them). */

#include <config.h>
#include "nve-options.h"

#include <limits.h>
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nve_options);

/* Parses 'arg', the argument of -t or --timeout, as a number of seconds
 * between 1 and UINT_MAX, into '*secsp'.  Returns true if successful,
 * otherwise false without changing '*secsp'. */
bool
nve_options_parse_timeout(const char *arg, unsigned int *secsp)
{
    long long int secs;

    if (!str_to_llong(arg, 10, &secs) || secs < 1 || secs > UINT_MAX) {
        return false;
    }
    *secsp = secs;
    return true;
}

long long int
nve_options_get_int(const struct smap *options, const char *table,
                    const char *key, long long int def, long long int min,
                    long long int max)
{
    const char *s = smap_get(options, key);
    long long int value;

    if (!s) {
        return def;
    } else if (!str_to_llong(s, 10, &value) || value < min || value > max) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s options:%s=%s is not between %lld and %lld, "
                     "using %lld", table, key, s, min, max, def);
        return def;
    }
    return value;
}
