// SPDX-License-Identifier: BSD-3-Clause

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
)

// configHelp is --help's description of the configuration file.
const configHelp = `
Configuration file (--config FILE): a JSON object whose keys are the flags'
names (without --) and whose values are their settings: strings, numbers,
booleans, durations as strings, and lists for the repeatable flags. A flag
given on the command line wins over the file (a repeatable one replaces
the file's list). An unknown key is an error. For example:

  {"listen": ":5000",
   "index": "/var/lib/hashmatchd/index.hmi",
   "list": ["/etc/hashmatchd/known.csv"],
   "token-file": "/etc/hashmatchd/tokens",
   "curation-token-file": "/etc/hashmatchd/curation-tokens",
   "workers": 4, "read-timeout": "2m", "metrics-auth": true,
   "fetch-allow": ["media.example.com", "*.cdn.example.net"]}
`

// applyConfig sets, from the JSON configuration file path, every flag of
// fs that the command line did not set (set). The flags' own parsers
// check the values, as on the command line.
func applyConfig(fs *flag.FlagSet, path string, set map[string]bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("--config %s: not a JSON object: %w", path, err)
	}
	if m == nil || dec.Decode(&struct{}{}) != io.EOF {
		return fmt.Errorf("--config %s: want one JSON object", path)
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		f := fs.Lookup(k)
		if f == nil || k == "config" {
			return fmt.Errorf("--config %s: unknown key %q (the keys are the flags' names, see --help)", path, k)
		}
		if set[k] {
			continue
		}
		_, repeatable := f.Value.(*listFlag)
		values, err := configValues(m[k], repeatable)
		if err == nil {
			for _, v := range values {
				if err = fs.Set(k, v); err != nil {
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("--config %s: key %q: %v", path, k, err)
		}
	}
	return nil
}

// configValues is a JSON value as the text(s) a flag is set with: one
// for a scalar, one per element for a list (repeatable flags only).
func configValues(v any, repeatable bool) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case bool:
		return []string{strconv.FormatBool(x)}, nil
	case json.Number:
		return []string{x.String()}, nil
	case []any:
		if !repeatable {
			return nil, errors.New("a list is only for a repeatable flag")
		}
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, not %v", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a string, number or boolean, not %v", v)
}
