package main

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	sscrypto "github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	"github.com/bitnami-labs/sealed-secrets/pkg/kubeseal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestSeal_ControllerUnsealsWhatItSealed seals with a fresh key pair and
// decrypts with the controller's own code: the values come back for the
// named Secret, and not for another name.
func TestSeal_ControllerUnsealsWhatItSealed(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.Equal(t, 0, run([]string{"keygen", "--cert", certPath, "--key", keyPath}, nil, os.Stdout, os.Stderr))
	info, err := os.Stat(keyPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the private key is private")

	in := "# comment\nDATABASE_URL=postgres://app:pa=ss@db:5432/app\n\nVISITORS_HASH_KEY=0123456789abcdef0123456789abcdef\n"
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"--cert", certPath, "--namespace", "visitors", "--name", "visitors"}, strings.NewReader(in), &out, &errOut), errOut.String())
	assert.NotContains(t, out.String(), "pa=ss")

	var values struct {
		Secret struct {
			EncryptedData map[string]string `yaml:"encryptedData"`
		} `yaml:"secret"`
	}
	require.NoError(t, yaml.Unmarshal(out.Bytes(), &values))
	require.Len(t, values.Secret.EncryptedData, 2)

	keyPEM, err := os.ReadFile(keyPath)
	require.NoError(t, err)
	keys := privateKeys(t, keyPEM)
	codecs := serializer.NewCodecFactory(runtimeScheme(t))
	unseal := func(name string) (map[string][]byte, error) {
		ss := &ssv1alpha1.SealedSecret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "visitors"},
			Spec: ssv1alpha1.SealedSecretSpec{
				EncryptedData: values.Secret.EncryptedData,
				Template:      ssv1alpha1.SecretTemplateSpec{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "visitors"}},
			},
		}
		s, err := ss.Unseal(codecs, keys)
		if err != nil {
			return nil, err
		}
		return s.Data, nil
	}
	data, err := unseal("visitors")
	require.NoError(t, err)
	assert.Equal(t, "postgres://app:pa=ss@db:5432/app", string(data["DATABASE_URL"]))
	assert.Equal(t, "0123456789abcdef0123456789abcdef", string(data["VISITORS_HASH_KEY"]))
	_, err = unseal("elsewhere")
	assert.Error(t, err, "sealed for one name only")
}

func TestSeal_BadInputSaysWhat(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	require.Equal(t, 0, run([]string{"keygen", "--cert", cert, "--key", filepath.Join(dir, "key.pem")}, nil, os.Stdout, os.Stderr))
	tests := []struct {
		name, in string
		args     []string
		want     string
	}{
		{"missing flags", "A=b", []string{"--cert", cert}, "--cert, --namespace and --name are required"},
		{"no such cert", "A=b", []string{"--cert", filepath.Join(dir, "none.pem"), "--namespace", "n", "--name", "s"}, "reading the certificate"},
		{"bad line", "A=b\nnot a pair\n", []string{"--cert", cert, "--namespace", "n", "--name", "s"}, "stdin line 2: want KEY=VALUE"},
		{"duplicate", "A=b\nA=c\n", []string{"--cert", cert, "--namespace", "n", "--name", "s"}, "stdin line 2: A given twice"},
		{"empty", "\n# only comments\n", []string{"--cert", cert, "--namespace", "n", "--name", "s"}, "no KEY=VALUE line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			assert.Equal(t, 2, run(tt.args, strings.NewReader(tt.in), &bytes.Buffer{}, &errOut))
			assert.Contains(t, errOut.String(), tt.want)
		})
	}
}

// TestCommittedCertificatesParse keeps each cluster's committed
// certificate usable by seal.
func TestCommittedCertificatesParse(t *testing.T) {
	certs, err := filepath.Glob(filepath.Join("..", "..", "clusters", "*", "sealed-secrets.pem"))
	require.NoError(t, err)
	require.NotEmpty(t, certs, "every cluster commits its controller's certificate")
	for _, c := range certs {
		f, err := os.Open(c)
		require.NoError(t, err)
		_, err = kubeseal.ParseKey(f)
		f.Close()
		assert.NoError(t, err, c)
	}
}

func privateKeys(t *testing.T, keyPEM []byte) map[string]*rsa.PrivateKey {
	t.Helper()
	key, err := parsePrivateKey(keyPEM)
	require.NoError(t, err)
	fp, err := sscrypto.PublicKeyFingerprint(&key.PublicKey)
	require.NoError(t, err)
	return map[string]*rsa.PrivateKey{fp: key}
}

func runtimeScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	require.NoError(t, scheme.AddToScheme(s))
	require.NoError(t, ssv1alpha1.AddToScheme(s))
	return s
}

func parsePrivateKey(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}
