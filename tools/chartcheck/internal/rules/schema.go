package rules

func init() {
	register("schema-invalid", checkSchemaInvalid)
	register("schema-unchecked-kind", checkSchemaUncheckedKind)
}

func checkSchemaInvalid(c *Cluster) {
	for _, o := range c.Objects {
		for _, e := range o.SchemaErrors {
			c.report(o, "", "%s", e)
		}
	}
}

func checkSchemaUncheckedKind(c *Cluster) {
	// Reported once per kind, on its first object, so a chart with
	// fifty objects of one unknown kind gives one finding.
	seen := map[string]bool{}
	count := map[string]int{}
	first := map[string]*Object{}
	for _, o := range c.Objects {
		if !o.Unchecked {
			continue
		}
		k := o.Object.Object.GetAPIVersion() + " " + o.Object.Object.GetKind()
		if !seen[k] {
			seen[k] = true
			first[k] = o
		}
		count[k]++
	}
	for _, k := range sortedKeys(seen) {
		c.report(first[k], "", "no schema known for %s (%d object(s)): neither a built-in type nor a CRD rendered in the cluster; not validated", k, count[k])
	}
}
