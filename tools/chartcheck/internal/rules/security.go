package rules

import (
	"sync"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

var (
	psaOnce      sync.Once
	psaEvaluator policy.Evaluator
	psaErr       error
)

func init() {
	register("pod-security-restricted", checkPodSecurityRestricted)
}

func checkPodSecurityRestricted(c *Cluster) {
	psaOnce.Do(func() { psaEvaluator, psaErr = policy.NewEvaluator(policy.DefaultChecks()) })
	if psaErr != nil {
		panic("pod security evaluator: " + psaErr.Error()) // built from the library's own checks
	}
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	for _, w := range c.index().workloads {
		for _, r := range psaEvaluator.EvaluatePod(lv, &w.template.ObjectMeta, &w.template.Spec) {
			if r.Allowed {
				continue
			}
			c.report(w.obj, w.specPath(), "restricted Pod Security Standard: %s (%s)", r.ForbiddenReason, r.ForbiddenDetail)
		}
	}
}
