// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Go code the READMEs quote must be the Example functions' code (so
// it compiles and its output is checked): every ```go block of the
// binding's README and the repository's README is a run of lines of
// example_test.go, one tab less; a "// ..." line ends the comparison.
func TestReadmeQuotesExamples(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(src), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	for _, readme := range []string{filepath.Join("..", "README.md"), filepath.Join("..", "..", "..", "README.md")} {
		data, err := os.ReadFile(readme)
		if err != nil {
			t.Skipf("%s: %v", readme, err)
		}
		blocks := 0
		parts := strings.Split(string(data), "```go\n")
		for _, p := range parts[1:] {
			block := strings.Split(strings.SplitN(p, "```", 2)[0], "\n")
			block = block[:len(block)-1]
			for i, l := range block {
				if l == "// ..." {
					block = block[:i]
					break
				}
			}
			blocks++
			if !containsRun(lines, block) {
				t.Errorf("%s: block %d is not in example_test.go:\n%s", readme, blocks, strings.Join(block, "\n"))
			}
		}
		if blocks == 0 {
			t.Errorf("%s quotes no Go code", readme)
		}
	}
}

func containsRun(lines, run []string) bool {
	for i := 0; i+len(run) <= len(lines); i++ {
		ok := true
		for j := range run {
			if lines[i+j] != run[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
