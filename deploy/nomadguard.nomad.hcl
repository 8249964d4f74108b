# nomadguard as a Nomad service job: two instances spread over the datacenters; one leads through a Consul
# lock (see "High availability" in the README), the other stands by. Submit it from this folder, so file()
# finds the config and the policy next to it:
#
#   nomad var put nomad/jobs/nomadguard nomad_token_production=... nomad_token_nonprod=... \
#       consul_token_production=... consul_token_nonprod=... sync_token=... ca_pem=@ca.pem
#   nomad job run -var image=registry.internal/platform/nomadguard:0.1.0 nomadguard.nomad.hcl
#
# No secret is written here: the tokens come from the Nomad variable nomad/jobs/nomadguard, which the job's
# own workload identity may read without any ACL policy (Nomad's acl/acl.go,
# matchingVariablesCapabilitySet: read and list on nomad/jobs/<job>[/<group>[/<task>]] in the job's
# namespace). The commented template below reads them from Vault instead.
#
# Like every job of the platform, it runs IPv6-only: the service registers the container's own address
# (advertise_ipv6_address, address_mode = "driver"), so the clients' docker daemons need IPv6 on their
# container network (each node routes its /80). Without it the checks have no address and every
# deployment fails and reverts.

variable "image" {
  type        = string
  description = "The nomadguard image (deploy/Dockerfile), pinned by version."
  default     = "registry.internal/platform/nomadguard:0.1.0"
}

variable "datacenters" {
  type    = list(string)
  default = ["dc1", "dc2"]
}

job "nomadguard" {
  type        = "service"
  datacenters = var.datacenters

  update {
    max_parallel      = 1
    health_check      = "checks"
    min_healthy_time  = "10s"
    healthy_deadline  = "3m"
    progress_deadline = "10m"
    auto_revert       = true
  }

  group "operator" {
    count = 2

    # One instance per datacenter, never two on one node.
    spread {
      attribute = "${node.datacenter}"
      weight    = 100
    }

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    network {
      port "http" {
        to = 4680
      }
    }

    # The git checkout survives a restart of the task on the same node.
    ephemeral_disk {
      size    = 500
      sticky  = true
      migrate = true
    }

    service {
      name         = "nomadguard"
      port         = "http"
      address_mode = "driver"
      tags         = ["nomadguard"]

      # Alive: the process serves. A deployment waits on this one.
      check {
        name         = "alive"
        type         = "http"
        path         = "/healthz"
        address_mode = "driver"
        interval     = "10s"
        timeout      = "2s"

        check_restart {
          limit = 3
          grace = "60s"
        }
      }

      # Ready: the source was read and the clusters answer (and, with HA, whether this instance leads). It
      # tells Consul and a proxy in front which instance to ask; a standby may answer not ready, so a
      # deployment does not wait on it.
      check {
        name         = "ready"
        type         = "http"
        path         = "/readyz"
        address_mode = "driver"
        interval     = "10s"
        timeout      = "2s"
        on_update    = "ignore"
      }
    }

    task "nomadguard" {
      driver = "docker"

      # SIGTERM stops taking work, lets writes in flight finish within the operator's shutdown bound and
      # releases the lock; kill_timeout leaves room above that bound. Nomad clients cap it at their
      # max_kill_timeout (30s by default: command/agent/config.go, DefaultConfig).
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      config {
        image                  = var.image
        ports                  = ["http"]
        advertise_ipv6_address = true
        args = [
          "run",
          "--config", "/local/nomadguard.yaml",
          "--listen", "[::]:4680",
          "--work-dir", "/alloc/data/nomadguard",
        ]
      }

      env {
        NOMADGUARD_LOG_LEVEL = "info"
      }

      # The operator config and the policy, from the files next to this job.
      template {
        data        = file("nomadguard.yaml")
        destination = "local/nomadguard.yaml"
        change_mode = "restart"
      }

      template {
        data        = file("policy.yaml")
        destination = "local/policy.yaml"
        change_mode = "restart"
      }

      # The tokens, as environment variables the config names (tokenEnv), from the job's Nomad variable.
      template {
        data        = <<-EOT
          {{ with nomadVar "nomad/jobs/nomadguard" -}}
          NOMAD_TOKEN_PRODUCTION={{ .nomad_token_production }}
          NOMAD_TOKEN_NONPROD={{ .nomad_token_nonprod }}
          CONSUL_HTTP_TOKEN_PRODUCTION={{ .consul_token_production }}
          CONSUL_HTTP_TOKEN_NONPROD={{ .consul_token_nonprod }}
          NOMADGUARD_TOKEN={{ .sync_token }}
          {{- end }}
        EOT
        destination = "secrets/tokens.env"
        env         = true
        change_mode = "restart"
      }

      # The CA the clusters' certificates are signed by (caCert in the config).
      template {
        data        = "{{ with nomadVar \"nomad/jobs/nomadguard\" }}{{ .ca_pem }}{{ end }}"
        destination = "secrets/ca.pem"
        change_mode = "restart"
      }

      # The same from Vault (KV v2 at kv/platform/nomadguard), with a vault block on the task:
      #
      # vault {}
      # template {
      #   data        = <<-EOT
      #     {{ with secret "kv/data/platform/nomadguard" -}}
      #     NOMAD_TOKEN_PRODUCTION={{ .Data.data.nomad_token_production }}
      #     ...
      #     {{- end }}
      #   EOT
      #   destination = "secrets/tokens.env"
      #   env         = true
      # }

      resources {
        cpu    = 500
        memory = 512
      }

      logs {
        max_files     = 5
        max_file_size = 20
      }
    }
  }
}
