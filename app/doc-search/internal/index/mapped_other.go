//go:build !linux

package index

func allocMapped[T any](n int) ([]T, bool) { return make([]T, n), false }

func freeMapped[T any]([]T) {}

func adviseHuge[T any]([]T) {}
