package check

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/output"
	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// ClusterInput is a rendered cluster with its settings: the repository's,
// overridden by the rules: key of the cluster's own chartcheck.yaml.
func ClusterInput(res *render.Result, root ruleconfig.Settings) (Input, error) {
	file := filepath.ToSlash(filepath.Join(render.ClustersDir, res.Cluster, config.FileName))
	cs, err := ruleconfig.Decode(&res.Config.Rules, file)
	if err != nil {
		return Input{}, err
	}
	return Input{Cluster: res.Cluster, Prod: res.Config.Prod, KubeVersion: res.Config.KubeVersion, Objects: res.Objects, Settings: root.Merge(cs)}, nil
}

// ManifestInput reads plain rendered YAML files as one set of objects, in
// the order given; "-" reads stdin.
func ManifestInput(stdin io.Reader, files []string) (Input, error) {
	streams := make([]manifest.Stream, len(files))
	for i, path := range files {
		var data []byte
		var err error
		if path == "-" {
			if data, err = io.ReadAll(stdin); err != nil {
				return Input{}, fmt.Errorf("reading stdin: %w", err)
			}
		} else if data, err = os.ReadFile(path); err != nil {
			return Input{}, fmt.Errorf("reading %s: %w", path, err)
		}
		streams[i] = manifest.Stream{Data: data, Source: manifest.Source{File: filepath.ToSlash(path)}}
	}
	parsed, err := manifest.ParseStreams(streams)
	if err != nil {
		return Input{}, err
	}
	var in Input
	for _, objs := range parsed {
		in.Objects = append(in.Objects, objs...)
	}
	return in, nil
}

// Report checks every input and gathers the findings, the clusters and the
// rules that ran into one report.
func Report(inputs []Input) *output.Report {
	rep := &output.Report{}
	ran := map[string]*rules.Rule{}
	for _, in := range inputs {
		rep.Clusters = append(rep.Clusters, in.Cluster)
		rep.Objects += len(in.Objects)
		rep.Findings = append(rep.Findings, Run(in)...)
		for _, r := range in.Settings.Rules() {
			ran[r.ID] = r
		}
	}
	sort.Strings(rep.Clusters)
	for _, r := range rules.All() {
		if got, ok := ran[r.ID]; ok {
			rep.Rules = append(rep.Rules, got)
		}
	}
	rules.SortFindings(rep.Findings)
	return rep
}
