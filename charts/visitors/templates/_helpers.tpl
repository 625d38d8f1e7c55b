{{/* Chart name, shortened to the 63 characters a DNS label allows. */}}
{{- define "visitors.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of every object: the release name when it already contains the chart
name (release "visitors" gives "visitors"), else "<release>-<chart>".
*/}}
{{- define "visitors.fullname" -}}
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

{{- define "visitors.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "visitors.labels" -}}
helm.sh/chart: {{ include "visitors.chart" . }}
{{ include "visitors.selectorLabels" . }}
app.kubernetes.io/version: {{ include "visitors.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: doc-search
{{- end }}

{{/* Labels that select the service's pods; never change them on a live release. */}}
{{- define "visitors.selectorLabels" -}}
app.kubernetes.io/name: {{ include "visitors.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The version a label can carry: the image tag, or the appVersion. */}}
{{- define "visitors.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Image reference: repository@digest when a digest is set, else repository:tag. */}}
{{- define "visitors.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}


{{/* Container security context that passes the Pod Security Standard "restricted". */}}
{{- define "visitors.containerSecurityContext" -}}
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
{{- define "visitors.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Fewest replicas that run at once: what decides whether a PDB is safe. */}}
{{- define "visitors.minReplicas" -}}
{{- .Values.replicaCount }}
{{- end }}

{{/* Name of the Secret holding DATABASE_URL and VISITORS_HASH_KEY. */}}
{{- define "visitors.secretName" -}}
{{- default (include "visitors.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
Hook annotations of what the migration Job needs (its ConfigMap and the
SealedSecret of its Secret). A PreSync hook runs before Argo CD applies any
ordinary object, so on a first sync an ordinary ConfigMap or Secret would not
exist yet when the Job starts: they are PreSync hooks too, one wave earlier.
*/}}
{{- define "visitors.preSyncAnnotations" -}}
argocd.argoproj.io/hook: PreSync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: "-1"
{{- end }}

{{/* The env every visitors container gets: settings from the ConfigMap, credentials from the Secret. */}}
{{- define "visitors.envFrom" -}}
- configMapRef:
    name: {{ include "visitors.fullname" . }}
- secretRef:
    name: {{ include "visitors.secretName" . }}
{{- end }}

{{/* The ConfigMap's data; its checksum on the pod template rolls the Pods when it changes. */}}
{{- define "visitors.config" -}}
VISITORS_DRAIN_DELAY: "{{ int .Values.shutdown.drainSeconds }}s"
VISITORS_SHUTDOWN_TIMEOUT: "{{ int .Values.shutdown.timeoutSeconds }}s"
VISITORS_LOG_LEVEL: {{ .Values.logLevel | quote }}
VISITORS_TRUST_PROXIES: {{ .Values.trustProxies | int | quote }}
VISITORS_DB_MAX_CONNS: {{ .Values.database.maxConns | int | quote }}
VISITORS_DB_MIN_CONNS: {{ .Values.database.minConns | int | quote }}
VISITORS_DB_CONNECT_TIMEOUT: {{ .Values.database.connectTimeout | quote }}
VISITORS_DB_QUERY_TIMEOUT: {{ .Values.database.queryTimeout | quote }}
VISITORS_MIGRATE_TIMEOUT: "{{ int .Values.migration.timeoutSeconds }}s"
USER_NAME: {{ .Values.user.name | quote }}
USER_URL: {{ .Values.user.url | quote }}
{{- end }}
