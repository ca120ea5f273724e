// Command gen writes a generated program for `rmctl match` (see package
// matchtest) to a directory, for benchmarks of the built binary:
//
//	go run ./engine/match/matchtest/gen -mentees 500 -mentors 500 -out /tmp/m
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/rmctl/rmctl/engine/match/matchtest"
)

func main() {
	var c matchtest.Config
	flag.Uint64Var(&c.Seed, "seed", 1, "random seed: the same seed writes the same files")
	flag.IntVar(&c.Mentees, "mentees", 500, "number of mentees")
	flag.IntVar(&c.Mentors, "mentors", 500, "number of mentors")
	flag.IntVar(&c.MaxLoad, "max-load", 1, "policy.maxMenteesPerMentor (0: 1 or 2 at random)")
	flag.IntVar(&c.Declared, "declared", 20, "pairs declared already")
	out := flag.String("out", "", "directory to write the program to (created if missing)")
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, src := range matchtest.Program(c) {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(src), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
