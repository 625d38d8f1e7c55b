package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// installArgoCD installs what the Argo CD programs expect to find, from the
// argo-cd module's own manifests: its CRDs and base configuration, plus the
// `default` AppProject and `server.secretkey` that argocd-server would
// otherwise create.
func (s *Stack) installArgoCD(ctx context.Context) error {
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ArgoCDNamespace},
	}}
	if err := s.Apply(ctx, []*unstructured.Unstructured{ns}, ApplyOptions{}); err != nil {
		return err
	}
	if err := s.ApplyFiles(ctx, ApplyOptions{}, filepath.Join(s.cfg.ArgoCDManifests, "crds", "*-crd.yaml")); err != nil {
		return err
	}
	if err := s.ApplyFiles(ctx, ApplyOptions{Namespace: ArgoCDNamespace}, filepath.Join(s.cfg.ArgoCDManifests, "base", "config", "argocd-*.yaml")); err != nil {
		return err
	}
	project := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "AppProject",
		"metadata":   map[string]any{"name": "default", "namespace": ArgoCDNamespace},
		"spec": map[string]any{
			"sourceRepos":              []any{"*"},
			"destinations":             []any{map[string]any{"server": "*", "namespace": "*"}},
			"clusterResourceWhitelist": []any{map[string]any{"group": "*", "kind": "*"}},
		},
	}}
	// The CRDs take a moment to be served after they are created.
	if err := retry(ctx, 30*time.Second, func() error {
		return s.Apply(ctx, []*unstructured.Unstructured{project}, ApplyOptions{})
	}); err != nil {
		return fmt.Errorf("creating the default AppProject: %w", err)
	}
	key, err := randomHex(32)
	if err != nil {
		return err
	}
	secrets := s.Kube.CoreV1().Secrets(ArgoCDNamespace)
	secret, err := secrets.Get(ctx, "argocd-secret", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading argocd-secret: %w", err)
	}
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data["server.secretkey"] = []byte(key)
	if _, err := secrets.Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("setting server.secretkey in argocd-secret: %w", err)
	}
	return nil
}

// ApplyFiles applies every object of the files matching the glob patterns.
func (s *Stack) ApplyFiles(ctx context.Context, opts ApplyOptions, patterns ...string) error {
	for _, pattern := range patterns {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			return fmt.Errorf("globbing %s: %w", pattern, err)
		}
		if len(paths) == 0 {
			return fmt.Errorf("no file matches %s", pattern)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("reading %s: %w", path, err)
			}
			objs, err := DecodeYAML(data)
			if err != nil {
				return fmt.Errorf("decoding %s: %w", path, err)
			}
			if err := s.Apply(ctx, objs, opts); err != nil {
				return fmt.Errorf("applying %s: %w", path, err)
			}
		}
	}
	return nil
}

// retry runs fn every 200ms until it succeeds or timeout passes.
func retry(ctx context.Context, timeout time.Duration, fn func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
