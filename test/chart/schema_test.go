package chart

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchema_RejectsBadValuesNamingTheField(t *testing.T) {
	tests := []struct {
		name string
		sets []string
		want string // the JSON pointer of the field in the message
	}{
		{name: "unknown_top_level_key", sets: []string{"replicas=3"}, want: "additional properties 'replicas' not allowed"},
		{name: "unknown_nested_key", sets: []string{"image.tags=1.0.0"}, want: "additional properties 'tags' not allowed"},
		{name: "replicas_not_a_number", sets: []string{"replicaCount=two"}, want: "at '/replicaCount'"},
		{name: "negative_replicas", sets: []string{"replicaCount=-1"}, want: "at '/replicaCount'"},
		{name: "digest_not_sha256", sets: []string{"image.digest=latest"}, want: "at '/image/digest'"},
		{name: "pull_policy", sets: []string{"image.pullPolicy=Sometimes"}, want: "at '/image/pullPolicy'"},
		{name: "zero_startup_budget", sets: []string{"startup.maxSeconds=0"}, want: "at '/startup/maxSeconds'"},
		{name: "startup_delay_not_a_duration", sets: []string{"startup.delay=soon"}, want: "at '/startup/delay'"},
		{name: "drain_not_a_number", sets: []string{"shutdown.drainSeconds=5s"}, want: "at '/shutdown/drainSeconds'"},
		{name: "memory_limit_missing", sets: []string{"resources.limits.memory=null"}, want: "at '/resources/limits'"},
		{name: "memory_limit_not_a_quantity", sets: []string{"resources.limits.memory=lots"}, want: "at '/resources/limits/memory'"},
		{name: "autoscaling_enabled_not_bool", sets: []string{"autoscaling.enabled=yes"}, want: "at '/autoscaling/enabled'"},
		{name: "cpu_target_over_100", sets: []string{"autoscaling.targetCPUUtilizationPercentage=150"}, want: "at '/autoscaling/targetCPUUtilizationPercentage'"},
		{name: "service_type", sets: []string{"service.type=Headless"}, want: "at '/service/type'"},
		{name: "port_out_of_range", sets: []string{"service.port=70000"}, want: "at '/service/port'"},
		{name: "service_monitor_labels_not_strings", sets: []string{"serviceMonitor.labels.release=1"}, want: "at '/serviceMonitor/labels/release'"},
		{name: "scrape_interval", sets: []string{"serviceMonitor.interval=often"}, want: "at '/serviceMonitor/interval'"},
		{name: "slo_not_a_number", sets: []string{"prometheusRule.latencySLOSeconds=fast"}, want: "at '/prometheusRule/latencySLOSeconds'"},
		{name: "mount_path_relative", sets: []string{"corpus.mountPath=corpus"}, want: "at '/corpus/mountPath'"},
		{name: "log_level", sets: []string{"logLevel=verbose"}, want: "at '/logLevel'"},
		{name: "spread_rule", sets: []string{"topologySpread.whenUnsatisfiable=Never"}, want: "at '/topologySpread/whenUnsatisfiable'"},
		{name: "max_query_words_zero", sets: []string{"search.maxQueryWords=0"}, want: "at '/search/maxQueryWords'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderChart(t, renderOptions{}, tt.sets)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "values don't meet the specifications of the schema")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSchema_AcceptsRealValues(t *testing.T) {
	tests := []struct {
		name  string
		sets  []string
		files []string
	}{
		{name: "defaults"},
		{name: "cluster_image_files", files: []string{"image-minikube.yaml", "image-prod.yaml"}},
		{name: "decimal_slo_from_set", sets: []string{"prometheusRule.latencySLOSeconds=0.3", "prometheusRule.errorRatioThreshold=0.01"}},
		{name: "percentage_budget", sets: []string{"podDisruptionBudget.minAvailable=50%"}},
		{name: "cpu_as_number", sets: []string{"resources.limits.cpu=2"}},
		{name: "startup_delay", sets: []string{"startup.delay=1m30s"}},
		{name: "global_from_a_parent_chart", sets: []string{"global.imageRegistry=registry.local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			for _, f := range tt.files {
				files = append(files, filepath.Join("testdata", f))
			}
			_, err := renderChart(t, renderOptions{}, tt.sets, files...)
			assert.NoError(t, err)
		})
	}
}
