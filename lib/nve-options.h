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

#ifndef NVE_OPTIONS_H
#define NVE_OPTIONS_H 1

/* Command-line options that more than one program of ovs-nve takes, so that
 * each is spelled, parsed and checked the same way everywhere.
 *
 * The SSL options are OVS's own (-p, -c, -C, --ssl-protocols,
 * --ssl-ciphers, from stream-ssl.h) plus --peer-ca-cert and
 * --bootstrap-ca-cert, which OVS leaves to each program.  They come in
 * three parts, as OVS's logging options do (VLOG_OPTION_ENUMS and so on): a
 * program puts NVE_SSL_OPTION_ENUMS among its option codes,
 * NVE_SSL_LONG_OPTIONS in its array of struct option and
 * NVE_SSL_OPTION_HANDLERS among the cases of its getopt_long() switch.
 * nve-controller, nve-ctl and tes-signal take them.
 *
 * -t or --timeout=SECS, a positive number of seconds, is parsed by
 * nve_options_parse_timeout(); nve-ctl, tes-signal and nve-bench take it,
 * and each says in its own words what is wrong with a bad one.
 *
 * nve_options_get_int() reads a bounded integer from a column of options,
 * such as NVE_Global's "options", for nve-controller's modules. */

#include <stdbool.h>
#include "openvswitch/compiler.h"
#include "stream-ssl.h"

#define NVE_SSL_OPTION_ENUMS                    \
        OPT_PEER_CA_CERT,                       \
        OPT_BOOTSTRAP_CA_CERT,                  \
        SSL_OPTION_ENUMS

#define NVE_SSL_LONG_OPTIONS                                            \
        STREAM_SSL_LONG_OPTIONS,                                        \
        {"peer-ca-cert", required_argument, NULL, OPT_PEER_CA_CERT},    \
        {"bootstrap-ca-cert", required_argument, NULL,                  \
         OPT_BOOTSTRAP_CA_CERT}

#define NVE_SSL_OPTION_HANDLERS                         \
        STREAM_SSL_OPTION_HANDLERS                      \
                                                        \
        case OPT_PEER_CA_CERT:                          \
            stream_ssl_set_peer_ca_cert_file(optarg);   \
            break;                                      \
                                                        \
        case OPT_BOOTSTRAP_CA_CERT:                     \
            stream_ssl_set_ca_cert_file(optarg, true);  \
            break;

bool nve_options_parse_timeout(const char *arg, unsigned int *secsp)
    OVS_WARN_UNUSED_RESULT;

/* options:'key' of 'options' (the options column of 'table', named in the
 * warning) as an integer between 'min' and 'max'; 'def' if it is absent,
 * or not such an integer, with a rate-limited warning. */
struct smap;
long long int nve_options_get_int(const struct smap *options,
                                  const char *table, const char *key,
                                  long long int def, long long int min,
                                  long long int max);

#endif /* nve-options.h */
