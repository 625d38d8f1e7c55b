{{/* Chart name, shortened to the 63 characters a DNS label allows. */}}
{{- define "ports.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of every object: the release name when it already contains the chart
name (release "ports" gives "ports"), else "<release>-<chart>".
*/}}
{{- define "ports.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ports.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "ports.labels" -}}
helm.sh/chart: {{ include "ports.chart" . }}
{{ include "ports.selectorLabels" . }}
app.kubernetes.io/version: {{ include "ports.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: doc-search
{{- end }}

{{/* Labels that select the service's pods; never change them on a live release. */}}
{{- define "ports.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ports.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The version a label can carry: the image tag, or the appVersion. */}}
{{- define "ports.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Image reference: repository@digest when a digest is set, else repository:tag. */}}
{{- define "ports.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}


{{/* Container security context that passes the Pod Security Standard "restricted". */}}
{{- define "ports.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod security context; 65532 is the distroless "nonroot" user. */}}
{{- define "ports.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Fewest replicas that run at once: what decides whether a PDB is safe. */}}
{{- define "ports.minReplicas" -}}
{{- .Values.replicaCount }}
{{- end }}

{{/* The ConfigMap's data; its checksum on the pod template rolls the Pods when it changes. */}}
{{- define "ports.config" -}}
PORTS_DATA: {{ printf "/data/%s" .Values.data.file | quote }}
PORTS_WATCH_INTERVAL: "{{ int .Values.data.watchIntervalSeconds }}s"
PORTS_DRAIN_DELAY: "{{ int .Values.shutdown.drainSeconds }}s"
PORTS_SHUTDOWN_TIMEOUT: "{{ int .Values.shutdown.timeoutSeconds }}s"
PORTS_LOG_LEVEL: {{ .Values.logLevel | quote }}
{{- with .Values.tracing.endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
OTEL_TRACES_SAMPLER: parentbased_traceidratio
OTEL_TRACES_SAMPLER_ARG: {{ $.Values.tracing.sampleRatio | quote }}
{{- with $.Values.tracing.environment }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "deployment.environment.name=%s" . | quote }}
{{- end }}
{{- end }}
{{- end }}
