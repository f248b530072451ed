# Copyright (c) 2026 The ovs-nve authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""tns-validate.py SCHEMA LOG...

Checks every TNS message that nve-controller sent, as its log at level dbg
of module tns_server records them ("...: sent {...}"), against the published
JSON Schema (schemas/tns.schema.json).  Prints one line per invalid message
and a count; exits 1 if any is invalid.  TNS_STOP runs it after every test
of TNS, so that every reply and notification of the whole test run is
checked, not only those that a test looks at."""

import json
import re
import sys

import jsonschema

SENT = re.compile(r"\|tns_server\|DBG\|[^ ]*: sent (.*)$")


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    n = bad = 0
    for name in sys.argv[2:]:
        for i, line in enumerate(open(name, encoding="utf-8",
                                      errors="replace")):
            m = SENT.search(line.rstrip("\n"))
            if not m:
                continue
            n += 1
            error = jsonschema.exceptions.best_match(
                validator.iter_errors(json.loads(m.group(1))))
            if error:
                bad += 1
                print("%s:%d: invalid: %s: %s"
                      % (name, i + 1, error.message, m.group(1)[:300]))
    print("%d sent messages checked" % n)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
