// Package fidelity holds the test that renders every Application with both
// chartcheck's renderer and Argo CD v2.14's own repo server code
// (reposerver/repository.GenerateManifests, which runs the helm and
// kustomize binaries Argo CD v2.14 ships) and requires identical output.
package fidelity
