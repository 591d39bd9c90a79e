package main

import "github.com/spf13/pflag"

// addColorFlag defines --color, for every command.
func addColorFlag(fs *pflag.FlagSet, ios *ioStreams) {
	flagGroup{fs, otherGroup}.value(&colorValue{ios}, "color", "", "WHEN",
		"auto: colour, progress line and summary on a terminal unless NO_COLOR is set; always: colour even to a pipe, and NO_COLOR ignored; never")
}

// colorValue is --color auto|always|never, kept on the streams.
type colorValue struct{ ios *ioStreams }

func (v *colorValue) Set(s string) error {
	switch s {
	case "auto", "always", "never":
		v.ios.color = s
		return nil
	}
	return usagef("--color %q: give auto, always or never", s)
}

func (v *colorValue) String() string {
	if v.ios.color == "" {
		return "auto"
	}
	return v.ios.color
}
func (v *colorValue) Type() string { return "string" }
