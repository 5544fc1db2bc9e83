// Command deploy-check checks the deployment files without a Docker engine or a registry: the
// Dockerfile against BuildKit's own lint rules (what `docker build --check` runs), and
// compose.yaml loaded as `docker compose` loads it (compose-go: interpolation, schema
// validation, consistency). Base images resolve to a minimal stand-in config, so rules that
// need a real image (platform mismatches) cannot fire here. Exit status 1 on any finding.
//
//	scripts/check-deploy.sh   (or: cd scripts/deploy-check && go run . ../..)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	findings := append(lintDockerfile(root), loadCompose(root)...)
	for _, finding := range findings {
		fmt.Println(finding)
	}
	if len(findings) > 0 {
		os.Exit(1)
	}
	fmt.Println("deploy-check: Dockerfile and compose.yaml: no findings")
}

// offline resolves every base image to a minimal linux config: there is no registry.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	arch := runtime.GOARCH
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		arch = opt.ImageOpt.Platform.Architecture
	}
	config, err := json.Marshal(map[string]any{
		"os": "linux", "architecture": arch,
		"config": map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + strings.Repeat("0", 64)}},
	})
	return ref, "", config, err
}

func lintDockerfile(root string) []string {
	source, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		return []string{err.Error()}
	}
	var findings []string
	sourceMap := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", source)
	sourceMap.Definition = &llb.Definition{}
	result, err := dockerfile2llb.DockerfileLint(context.Background(), source, dockerfile2llb.ConvertOpt{
		SourceMap: sourceMap, MetaResolver: offline{},
	})
	if err != nil {
		return []string{"Dockerfile: " + err.Error()}
	}
	if result.Error != nil {
		findings = append(findings, "Dockerfile: "+result.Error.Message)
	}
	for _, warning := range result.Warnings {
		line := 0
		if warning.Location != nil && len(warning.Location.Ranges) > 0 {
			line = int(warning.Location.Ranges[0].Start.Line)
		}
		findings = append(findings, fmt.Sprintf("Dockerfile:%d: %s: %s", line, warning.RuleName, warning.Detail))
	}
	return append(findings, copySources(root, source)...)
}

// copySources: what BuildKit checks only with a build client (CopyIgnoredFile against
// .dockerignore), and that every COPY from the build context names something that exists.
func copySources(root string, source []byte) []string {
	ast, err := parser.Parse(bytes.NewReader(source))
	if err != nil {
		return []string{"Dockerfile: " + err.Error()}
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return []string{"Dockerfile: " + err.Error()}
	}
	ignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		return []string{err.Error()}
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(ignore))
	if err != nil {
		return []string{".dockerignore: " + err.Error()}
	}
	ignored, err := patternmatcher.New(patterns)
	if err != nil {
		return []string{".dockerignore: " + err.Error()}
	}
	var findings []string
	for _, stage := range stages {
		for _, command := range stage.Commands {
			copied, isCopy := command.(*instructions.CopyCommand)
			if !isCopy || copied.From != "" {
				continue
			}
			line := copied.Location()[0].Start.Line
			for _, path := range copied.SourcePaths {
				path = filepath.ToSlash(filepath.Clean(path))
				if excluded, _ := ignored.MatchesOrParentMatches(path); excluded {
					findings = append(findings, fmt.Sprintf("Dockerfile:%d: %s: %s", line,
						linter.RuleCopyIgnoredFile.Name, linter.RuleCopyIgnoredFile.Format("Copy", path)))
				}
				if _, err := os.Stat(filepath.Join(root, path)); err != nil {
					findings = append(findings, fmt.Sprintf("Dockerfile:%d: COPY source %s: %v", line, path, err))
				}
			}
		}
	}
	return findings
}

func loadCompose(root string) []string {
	options, err := cli.NewProjectOptions([]string{filepath.Join(root, "compose.yaml")},
		cli.WithWorkingDirectory(root), cli.WithOsEnv, cli.WithDotEnv, cli.WithInterpolation(true),
		cli.WithNormalization(true), cli.WithConsistency(true), cli.WithResolvedPaths(true))
	if err == nil {
		_, err = cli.ProjectFromOptions(context.Background(), options)
	}
	if err != nil {
		return []string{"compose.yaml: " + err.Error()}
	}
	return nil
}
