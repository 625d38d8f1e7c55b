// Package compose checks docker-compose.yml the way `docker compose config`
// does, with the Compose specification's own Go loader: no Docker client
// or engine runs here.
package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	path := filepath.Join(root, "docker-compose.yml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: path, Content: data}},
		Environment: env,
	})
}

func TestCompose_ValidAndRunsMigrationsFirst(t *testing.T) {
	p, err := load(t, map[string]string{"VISITORS_HASH_KEY": "0123456789abcdef0123456789abcdef"})
	require.NoError(t, err, "docker-compose.yml fails the Compose specification")

	svc := func(name string) types.ServiceConfig {
		s, err := p.GetService(name)
		require.NoError(t, err)
		return s
	}
	migrate, visitors, postgres := svc("visitors-migrate"), svc("visitors"), svc("postgres")
	assert.Equal(t, types.ShellCommand{"migrate"}, migrate.Command)
	assert.Equal(t, "app/visitors/Dockerfile", migrate.Build.Dockerfile)
	assert.Equal(t, types.ServiceConditionHealthy, migrate.DependsOn["postgres"].Condition)
	assert.Equal(t, types.ServiceConditionCompletedSuccessfully, visitors.DependsOn["visitors-migrate"].Condition,
		"the service starts only after the migrations succeeded")
	assert.Equal(t, migrate.Image, visitors.Image, "both run the image built once")
	_, err = os.Stat(filepath.Join(p.WorkingDir, migrate.Build.Dockerfile))
	assert.NoError(t, err, "the Dockerfile it builds exists")

	for _, s := range []types.ServiceConfig{migrate, visitors} {
		url := s.Environment["DATABASE_URL"]
		require.NotNil(t, url, "%s has DATABASE_URL", s.Name)
		assert.Contains(t, *url, "@postgres:5432/")
		assert.NotContains(t, *url, ":@", "no password")
	}
	assert.Empty(t, postgres.Ports, "the database listens on no host port")
	require.Len(t, visitors.Ports, 2)
	assert.Equal(t, uint32(8080), visitors.Ports[0].Target)
	assert.Equal(t, uint32(8000), visitors.Ports[1].Target)
}

func TestCompose_RequiresAHashKey(t *testing.T) {
	_, err := load(t, map[string]string{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set VISITORS_HASH_KEY")
}
