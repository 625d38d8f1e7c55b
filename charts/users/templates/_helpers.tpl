{{/* Chart name, shortened to the 63 characters a DNS label allows. */}}
{{- define "users.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of every object: the release name when it already contains the chart
name (release "users" gives "users"), else "<release>-<chart>".
*/}}
{{- define "users.fullname" -}}
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

{{- define "users.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "users.labels" -}}
helm.sh/chart: {{ include "users.chart" . }}
{{ include "users.selectorLabels" . }}
app.kubernetes.io/version: {{ include "users.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: doc-search
{{- end }}

{{/* Labels that select the service's pods; never change them on a live release. */}}
{{- define "users.selectorLabels" -}}
app.kubernetes.io/name: {{ include "users.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The version a label can carry: the image tag, or the appVersion. */}}
{{- define "users.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Image reference: repository@digest when a digest is set, else repository:tag. */}}
{{- define "users.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}


{{/* Container security context that passes the Pod Security Standard "restricted". */}}
{{- define "users.containerSecurityContext" -}}
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
{{- define "users.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Fewest replicas that run at once: what decides whether a PDB is safe. */}}
{{- define "users.minReplicas" -}}
{{- .Values.replicaCount }}
{{- end }}

{{/* The env the users container gets: its settings from the ConfigMap. AWS
credentials never: on EKS the ServiceAccount's role (IRSA) gives them. */}}
{{- define "users.envFrom" -}}
- configMapRef:
    name: {{ include "users.fullname" . }}
{{- end }}

{{/* The ConfigMap's data; its checksum on the pod template rolls the Pods when it changes. */}}
{{- define "users.config" -}}
USERS_DRAIN_DELAY: "{{ int .Values.shutdown.drainSeconds }}s"
USERS_SHUTDOWN_TIMEOUT: "{{ int .Values.shutdown.timeoutSeconds }}s"
USERS_LOG_LEVEL: {{ .Values.logLevel | quote }}
USERS_TABLE: {{ required "aws.table is required" .Values.aws.table | quote }}
USERS_BUCKET: {{ required "aws.bucket is required" .Values.aws.bucket | quote }}
AWS_REGION: {{ required "aws.region is required" .Values.aws.region | quote }}
USERS_MAX_AVATAR_BYTES: {{ .Values.avatar.maxBytes | int | quote }}
USERS_MAX_AVATAR_DIMENSION: {{ .Values.avatar.maxDimension | int | quote }}
USERS_PAGE_SIZE: {{ .Values.pageSize | int | quote }}
USERS_AWS_TIMEOUT: {{ .Values.aws.timeout | quote }}
USERS_AWS_ATTEMPT_TIMEOUT: {{ .Values.aws.attemptTimeout | quote }}
USERS_AWS_MAX_ATTEMPTS: {{ .Values.aws.maxAttempts | int | quote }}
{{- with .Values.avatar.baseURL }}
USERS_AVATAR_BASE_URL: {{ . | quote }}
{{- end }}
{{- with .Values.aws.endpoints.dynamodb }}
AWS_ENDPOINT_URL_DYNAMODB: {{ . | quote }}
{{- end }}
{{- with .Values.aws.endpoints.s3 }}
AWS_ENDPOINT_URL_S3: {{ . | quote }}
{{- end }}
{{- end }}
