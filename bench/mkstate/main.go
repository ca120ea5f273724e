// Command mkstate writes a state file as if the given program directories
// had been applied (entries and expansion records), so benchmarks can time a no-op plan on a large program
// without first sending a hundred thousand invitations.
//
//	go run ./bench/mkstate -state .rmctl/state.json DIR...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

func main() {
	path := flag.String("state", ".rmctl/state.json", "state file to write")
	flag.Parse()
	if err := run(context.Background(), *path, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkstate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, path string, dirs []string) error {
	l, err := schema.NewLoader()
	if err != nil {
		return err
	}
	res, err := l.Load(ctx, dirs...)
	if err != nil {
		return err
	}
	if res.Diagnostics.HasErrors() {
		return fmt.Errorf("programs are not valid: %v", res.Diagnostics[0])
	}
	store := state.NewLocal(path, state.LocalOptions{})
	st, err := store.Read(ctx)
	if err != nil {
		return err
	}
	d := engine.Expand(res.Programs)
	st.Resources = diff.AsState(d).Resources
	// What apply records besides the entries: the programs' expansions,
	// which a no-op plan checks instead of expanding them.
	d.Inputs = engine.InputDigests(res.Programs)
	st.Expansions = plan.Build(d, state.New("mkstate"), plan.Options{}).Expansions
	if err := store.Write(ctx, st); err != nil {
		return err
	}
	fmt.Printf("wrote %d resources to %s\n", len(st.Resources), path)
	return nil
}
