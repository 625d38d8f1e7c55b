//go:build !linux

package index

func allocSlots(n int) ([]slot, bool) { return make([]slot, n), false }

func freeSlots([]slot) {}
