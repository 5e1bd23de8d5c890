// The embedded demo configuration (see config.h). Everything here is published and
// therefore demo-only: the identity provider key and pseudonym key are derived from
// fixed strings so that `domicile token issue --demo` works without files.
#include <string>

#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "gateway/config.h"

namespace domicile::gateway {
namespace {

constexpr std::string_view kDemoYaml = R"yaml(# Domicile demo configuration (embedded in the binary). Demo keys are public: never use in production.
listen: 127.0.0.1:8080
threads: 4
auth:
  audience: domicile-demo
  leeway_seconds: 30
  identity_providers:
    - issuer: https://idp.demo.domicile.invalid
      keys:
        - {kty: OKP, crv: Ed25519, kid: demo-2026, x: iGz-KuM6NQ-2-HoLaGJGHByO5XSeRloEk9WYCFWPw_s}
network_map:
  - {cidr: 127.0.0.0/24, country: US}
  - {cidr: 127.0.1.0/24, country: SG}
  - {cidr: "::1/128", country: US}
trusted_proxies: []
directory:
  inline: |
    [
      {"uid": {"type": "Domicile::Employer", "id": "acme-us"}, "attrs": {"country": "US"}, "parents": []},
      {"uid": {"type": "Domicile::Employer", "id": "acme-sg"}, "attrs": {"country": "SG"}, "parents": []},
      {"uid": {"type": "Domicile::Group", "id": "us-trust-and-safety"}, "attrs": {}, "parents": []},
      {"uid": {"type": "Domicile::Group", "id": "support"}, "attrs": {}, "parents": []},
      {"uid": {"type": "Domicile::Group", "id": "engineering"}, "attrs": {}, "parents": []},
      {"uid": {"type": "Domicile::Employee", "id": "ana"},
       "attrs": {"employer": {"__entity": {"type": "Domicile::Employer", "id": "acme-us"}},
                 "work_country": "US", "clearance": 3},
       "parents": [{"type": "Domicile::Group", "id": "us-trust-and-safety"}]},
      {"uid": {"type": "Domicile::Employee", "id": "sam"},
       "attrs": {"employer": {"__entity": {"type": "Domicile::Employer", "id": "acme-us"}},
                 "work_country": "US", "clearance": 1},
       "parents": [{"type": "Domicile::Group", "id": "support"}]},
      {"uid": {"type": "Domicile::Employee", "id": "wei"},
       "attrs": {"employer": {"__entity": {"type": "Domicile::Employer", "id": "acme-sg"}},
                 "work_country": "SG", "clearance": 2},
       "parents": [{"type": "Domicile::Group", "id": "engineering"}]},
      {"uid": {"type": "Domicile::Service", "id": "ingest"},
       "attrs": {"employer": {"__entity": {"type": "Domicile::Employer", "id": "acme-us"}},
                 "work_country": "US", "clearance": 0},
       "parents": []}
    ]
policies:
  inline: |
    // Resource: one field of one subject, Domicile::Field with attributes
    // home (jurisdiction), category, collection, name. Context: source_ip,
    // source_country, purpose, justification, time (see docs/gateway.md).

    // US trust-and-safety analysts, working in the US and connecting from the US,
    // read US subjects' data in plain when they state a purpose.
    @id("us-tns-read")
    permit (
      principal in Domicile::Group::"us-trust-and-safety",
      action in [Domicile::Action::"read", Domicile::Action::"read-masked", Domicile::Action::"read-pseudonym"],
      resource is Domicile::Field
    ) when {
      resource.home == "US" && principal.work_country == "US" &&
      context.source_country == "US" && context.purpose != ""
    };

    // Support agents see masked protected fields of subjects of their own jurisdiction.
    @id("support-read-masked")
    permit (
      principal in Domicile::Group::"support",
      action == Domicile::Action::"read-masked",
      resource is Domicile::Field
    ) when {
      resource.category == "protected" && context.source_country == resource.home &&
      principal.work_country == resource.home && context.purpose == "support"
    };

    // Anyone in the directory may see pseudonyms of interoperable fields, with a purpose.
    @id("interoperable-pseudonyms")
    permit (
      principal,
      action == Domicile::Action::"read-pseudonym",
      resource is Domicile::Field
    ) when { resource.category == "interoperable" && context.purpose != "" };

    // Nobody working or connecting from outside the US touches protected or
    // profiling data of US subjects, in any view, whatever else permits it.
    @id("forbid-foreign-us-data")
    forbid (principal, action, resource is Domicile::Field)
    when {
      resource.home == "US" && ["protected", "profiling"].contains(resource.category) &&
      (context.source_country != "US" || principal.work_country != "US")
    };

    // They may also find US subjects by an exact phone number or email address
    // (blind-index lookup), for the same reasons.
    @id("us-tns-search")
    permit (
      principal in Domicile::Group::"us-trust-and-safety",
      action == Domicile::Action::"search",
      resource is Domicile::Field
    ) when {
      resource.home == "US" && principal.work_country == "US" &&
      context.source_country == "US" && context.purpose != ""
    };

    // Bulk export of US data only for US trust-and-safety investigations (and the
    // gateway's export limiter bounds how much per person and purpose).
    @id("tns-export")
    permit (
      principal in Domicile::Group::"us-trust-and-safety",
      action == Domicile::Action::"export",
      resource is Domicile::Field
    ) when {
      resource.home == "US" && context.source_country == "US" && context.purpose == "investigation"
    };

    // Bulk reads of profiling data are how people get profiled: no export of it
    // without a written justification (e.g. a case number), whoever asks.
    @id("profiling-export-needs-justification")
    forbid (principal, action == Domicile::Action::"export", resource is Domicile::Field)
    when { resource.category == "profiling" && context.justification == "" };

    // The ingest service writes and deletes from the subject's home jurisdiction.
    @id("ingest-write")
    permit (
      principal == Domicile::Service::"ingest",
      action in [Domicile::Action::"write", Domicile::Action::"delete"],
      resource is Domicile::Field
    ) when { context.source_country == resource.home };
store: {backend: rocksdb, path: store}
keyring: {file: keyring, root_key_file: custodian.key}
vault:
  site: us-enclave-1
  sites:
    - {id: us-enclave-1, jurisdiction: US, custodian: "Demo US Custodian", role: enclave}
  collections:
    profile:
      fields:
        name: {category: protected, mask: initial}
        phone: {category: protected, mask: last4, blind_index: phone}
        email: {category: protected, mask: email, blind_index: email}
        birth_date: {category: protected, mask: year}
        location: {category: protected, mask: coordinates}
        language: public
    videos:
      fields:
        caption: profiling
        watch_history: profiling
    comments:
      fields:
        text: profiling
    stats:
      fields:
        follower_bucket: interoperable
log: {dir: log, key_file: log.key, origin: demo.domicile.invalid/audit}
limits:
  max_header_bytes: 16384
  max_body_bytes: 1048576
  read_timeout_ms: 10000
  write_timeout_ms: 10000
  export:
    requests_per_minute: 2
    records_per_hour: 100
)yaml";

}  // namespace

std::string_view DemoGatewayConfigYaml() { return kDemoYaml; }

Ed25519Jwk DemoIdentityProviderKey() {
  const std::string seed = crypto::Sha256String("domicile demo identity provider");
  auto pair = crypto::Ed25519FromSeed(seed);
  assert(pair.ok());  // a 32-byte seed always yields a key pair
  return Ed25519Jwk{"demo-2026", pair.ok() ? pair->public_key : "", seed};
}

Result<GatewayConfig> DemoGatewayConfig() {
  ASSIGN_OR_RETURN(GatewayConfig config, ParseGatewayConfig(kDemoYaml, ".", *FileSystem::Default()));
  config.pseudonym_key = crypto::Sha256String("domicile demo pseudonym key");
  config.demo = true;
  return config;
}

}  // namespace domicile::gateway
