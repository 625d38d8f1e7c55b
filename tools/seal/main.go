// Command seal encrypts secret values for one cluster's Sealed Secrets
// controller, with the controller's own Go module, into the values file a
// chart of this repository renders as a SealedSecret:
//
//	seal --cert clusters/prod/sealed-secrets.pem --namespace visitors --name visitors \
//	  <secrets.env >clusters/prod/visitors/secret.yaml
//
// secrets.env holds KEY=VALUE lines; it never goes into git. Only the
// controller holding the certificate's private key can decrypt the output,
// and only into the Secret of that name and namespace.
//
// `seal keygen --cert FILE --key FILE` makes a key pair for a controller
// that brings its own key (minikube's, docs/runbooks.md).
package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	ssv1alpha1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	sscrypto "github.com/bitnami-labs/sealed-secrets/pkg/crypto"
	"github.com/bitnami-labs/sealed-secrets/pkg/kubeseal"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var err error
	if len(args) > 0 && args[0] == "keygen" {
		err = keygen(args[1:], stderr)
	} else {
		err = seal(args, stdin, stdout, stderr)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "seal: %v\n", err)
		return 2
	}
	return 0
}

func seal(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	certPath := fs.String("cert", "", "the controller's public certificate (PEM), e.g. clusters/prod/sealed-secrets.pem")
	namespace := fs.String("namespace", "", "namespace of the Secret the controller will create")
	name := fs.String("name", "", "name of the Secret (the release's name: the chart names its SealedSecret so)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *certPath == "" || *namespace == "" || *name == "" {
		return errors.New("--cert, --namespace and --name are required (see --help)")
	}
	f, err := os.Open(*certPath)
	if err != nil {
		return fmt.Errorf("reading the certificate: %w", err)
	}
	defer f.Close()
	pub, err := kubeseal.ParseKey(f)
	if err != nil {
		return fmt.Errorf("certificate %s: %w", *certPath, err)
	}
	values, err := readEnv(stdin)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out bytes.Buffer
	fmt.Fprintf(&out, "# Sealed by tools/seal to %s for the Secret %s/%s. Only that\n# cluster's controller can decrypt it; re-seal to change a value (docs/runbooks.md).\nsecret:\n  encryptedData:\n", *certPath, *namespace, *name)
	for _, k := range keys {
		var sealed bytes.Buffer
		if err := kubeseal.EncryptSecretItem(&sealed, *name, *namespace, []byte(values[k]), ssv1alpha1.StrictScope, pub); err != nil {
			return fmt.Errorf("sealing %s: %w", k, err)
		}
		fmt.Fprintf(&out, "    %s: %s\n", k, sealed.String())
	}
	_, err = stdout.Write(out.Bytes())
	return err
}

// readEnv reads KEY=VALUE lines; blank lines and # comments are skipped.
func readEnv(r io.Reader) (map[string]string, error) {
	values := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("stdin line %d: want KEY=VALUE", n)
		}
		if _, dup := values[k]; dup {
			return nil, fmt.Errorf("stdin line %d: %s given twice", n, k)
		}
		values[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(values) == 0 {
		return nil, errors.New("no KEY=VALUE line on stdin")
	}
	return values, nil
}

func keygen(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("seal keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	certPath := fs.String("cert", "", "where to write the public certificate (PEM); it may be committed")
	keyPath := fs.String("key", "", "where to write the private key (PEM); never commit it")
	validFor := fs.Duration("valid-for", 10*365*24*time.Hour, "certificate lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *certPath == "" || *keyPath == "" {
		return errors.New("--cert and --key are required")
	}
	key, cert, err := sscrypto.GeneratePrivateKeyAndCert(4096, *validFor, "sealed-secret")
	if err != nil {
		return fmt.Errorf("generating the key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if err := os.WriteFile(*keyPath, keyPEM, 0o600); err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	if err := os.WriteFile(*certPath, certPEM, 0o644); err != nil {
		return fmt.Errorf("writing the certificate: %w", err)
	}
	return nil
}
