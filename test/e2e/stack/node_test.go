package stack

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	proxyconfig "k8s.io/kube-proxy/config/v1alpha1"
	kubeletconfig "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

// TestNode_ConfigsDecodeStrictly: the kubelet's and kube-proxy's
// configuration files use only fields their v1.33 types declare, so a
// misspelt field fails here rather than being ignored by the component.
func TestNode_ConfigsDecodeStrictly(t *testing.T) {
	n := &node{dir: "/state", cgroupRoot: "/docsearch-e2e-test"}

	var kubelet kubeletconfig.KubeletConfiguration
	require.NoError(t, yaml.UnmarshalStrict([]byte(n.kubeletConfig()), &kubelet))
	assert.Equal(t, "cgroupfs", kubelet.CgroupDriver)
	assert.Equal(t, "/docsearch-e2e-test", kubelet.CgroupRoot)
	assert.Equal(t, []string{ClusterDNS}, kubelet.ClusterDNS)
	require.NotNil(t, kubelet.FailCgroupV1)
	assert.False(t, *kubelet.FailCgroupV1)

	var proxy proxyconfig.KubeProxyConfiguration
	require.NoError(t, yaml.UnmarshalStrict([]byte(n.kubeProxyConfig("/state/kube-proxy.kubeconfig")), &proxy))
	assert.Equal(t, "iptables", string(proxy.Mode))
	assert.Equal(t, []string{NodeIP + "/32"}, proxy.NodePortAddresses)
	assert.Equal(t, NodeName, proxy.HostnameOverride)
}
