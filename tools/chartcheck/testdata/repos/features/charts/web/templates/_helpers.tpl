{{- define "web.labels" -}}
app.kubernetes.io/name: web
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
