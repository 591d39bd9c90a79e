//go:build !linux

package main

import "errors"

// noEcho is done by term.ReadPassword alone on this system.
func noEcho(int) (func(), error) { return nil, errors.New("not supported") }
