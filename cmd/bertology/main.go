// Command bertology is the native command line of the bertology lab: it runs the same core as the
// browser (forward passes, tokenization, head importance, masking, pruning) on model directories in
// Hugging Face's layout, so every number can be checked against Hugging Face from outside the Go tests.
//
// Usage: bertology <command> [flags]; bertology help lists the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/hub"
	"bertology/core/model"
)

// command is one subcommand. Each lives in its own file and registers itself in init.
type command struct {
	name    string
	summary string
	run     func(args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage(os.Stdout)
		return
	}
	c, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "bertology: unknown command %q\n\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
	if err := c.run(os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "bertology %s: %v\n", c.name, err)
		os.Exit(1)
	}
}

func usage(w *os.File) {
	fmt.Fprintln(w, "usage: bertology <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nbertology <command> -h explains a command's flags.")
}

// loadModel reads the model directory of src (downloading a Hub id's files, with progress on stderr)
// and builds the model it holds.
func loadModel(src modelSource, stderr io.Writer) (*checkpoint.Checkpoint, *model.Model, error) {
	dir, err := src.dir(hub.Model, stderr)
	if err != nil {
		return nil, nil, err
	}
	ck, err := checkpoint.LoadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.New(ck)
	if err != nil {
		return nil, nil, err
	}
	return ck, m, nil
}

// parseFlags parses a command's arguments and fails, after printing the command's usage, when any of
// the required flags is empty.
func parseFlags(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, n := range required {
		if f := fs.Lookup(n); f == nil || f.Value.String() == "" {
			fs.Usage()
			quoted := make([]string, len(required))
			for i, n := range required {
				quoted[i] = "--" + n
			}
			if len(quoted) == 1 {
				return fmt.Errorf("%s is required", quoted[0])
			}
			return fmt.Errorf("%s and %s are required", strings.Join(quoted[:len(quoted)-1], ", "), quoted[len(quoted)-1])
		}
	}
	return nil
}

// newFlagSet returns a flag set whose -h prints the command's summary and flags.
func newFlagSet(name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet("bertology "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "bertology %s: %s\n\nflags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}
