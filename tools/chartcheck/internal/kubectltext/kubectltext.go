// Package kubectltext stops kubectl's command packages, linked in through
// Argo CD's types, from loading their message catalogue at start-up.
//
// Argo CD's Application types import gitops-engine, which imports kubectl's
// command packages; their package variables call i18n.T, and the first call
// unpacks and parses kubectl's gettext catalogue, a good part of chartcheck's
// start-up. chartcheck never prints kubectl's help, so it keeps
// kubectl's built-in English strings: with no catalogue bound, i18n.T returns
// its argument unchanged. SetLoadTranslationsFunc is kubectl's documented
// hook for this; it must run before any i18n.T call, which Go's
// initialization order guarantees here: this package depends on i18n alone,
// so it is initialized right after i18n, ahead of every kubectl command
// package (all of which sort after it by import path).
package kubectltext

import "k8s.io/kubectl/pkg/util/i18n"

func init() {
	if err := i18n.SetLoadTranslationsFunc(func() error { return nil }); err != nil {
		panic(err)
	}
}
