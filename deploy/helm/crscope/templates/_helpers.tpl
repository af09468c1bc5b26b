{{/*
Names and labels, and the decisions several templates share (which database, which
strategy), so that each is made in one place.
*/}}

{{- define "crscope.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's name, or "<release>-crscope" when the release name does not say crscope. */}}
{{- define "crscope.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "crscope.selectorLabels" -}}
app.kubernetes.io/name: {{ include "crscope.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "crscope.labels" -}}
{{ include "crscope.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "crscope.serviceAccountName" -}}
{{- default (include "crscope.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "crscope.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* "true" when history is in PostgreSQL, "" (false) when it is SQLite in /data. */}}
{{- define "crscope.postgres" -}}
{{- if .Values.database.postgres.existingSecret }}true{{ end }}
{{- end }}

{{- define "crscope.redis" -}}
{{- if or .Values.redis.existingSecret .Values.redis.url }}true{{ end }}
{{- end }}

{{/* The claim /data is on, or "" when /data is a scratch volume. */}}
{{- define "crscope.claimName" -}}
{{- if and (not (include "crscope.postgres" .)) .Values.persistence.enabled }}
{{- default (printf "%s-history" (include "crscope.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}
{{- end }}

{{- define "crscope.secretKeySecret" -}}
{{- default (printf "%s-secret" (include "crscope.fullname" .)) .Values.secretKey.existingSecret }}
{{- end }}

{{- define "crscope.notifyRulesConfigMap" -}}
{{- default (printf "%s-notify-rules" (include "crscope.fullname" .)) .Values.notifyRules.existingConfigMap }}
{{- end }}

{{- define "crscope.healthRulesConfigMap" -}}
{{- default (printf "%s-health-rules" (include "crscope.fullname" .)) .Values.healthRules.existingConfigMap }}
{{- end }}

{{/*
Refuse values that would give a broken or over-privileged install, with the reason, at
`helm install` time rather than as a pod that cannot start or a role that reads Secrets.
*/}}
{{- define "crscope.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (and (include "crscope.postgres" .) (include "crscope.redis" .))) }}
{{- fail "replicaCount > 1 needs database.postgres.existingSecret (SQLite has one writer) and redis (sign-outs and the bell between replicas)" }}
{{- end }}
{{- if and (eq .Values.auth.mode "proxy") (not .Values.auth.trustedProxies) }}
{{- fail "auth.mode=proxy needs auth.trustedProxies: the networks the authenticating proxy connects from" }}
{{- end }}
{{- range $name, $value := .Values.settings }}
{{- if has $name (list "CRSCOPE_AUTH_MODE" "CRSCOPE_TRUSTED_PROXIES" "CRSCOPE_ALLOWED_HOSTS" "CRSCOPE_CSRF_TRUSTED_ORIGINS" "CRSCOPE_PUBLIC_URL" "CRSCOPE_INCLUDE_GROUPS" "CRSCOPE_NOTIFY_RULES" "CRSCOPE_HEALTH_RULES") }}
{{- fail (printf "settings.%s is set by the chart: use host, auth, rbac.groups, notifyRules or healthRules" $name) }}
{{- end }}
{{- end }}
{{- range .Values.rbac.groups }}
{{- if not (contains "." (.group | default "")) }}
{{- fail (printf "rbac.groups: %q is not a custom-resource group (those always have a dot; the core group \"\" or \"*\" would grant Secrets)" (.group | default "")) }}
{{- end }}
{{- if or (not .resources) (has "*" .resources) }}
{{- fail (printf "rbac.groups: name the resources of %s (no \"*\": a kind added later would show unreviewed)" .group) }}
{{- end }}
{{- end }}
{{- end }}
