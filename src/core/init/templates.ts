/**
 * The text of the files `kzops init` writes that are not copied from the package (the
 * workflows and schemas are): targets.yaml, one example file per kind, the team's README and
 * .gitignore. They are TypeScript strings rather than files so the build carries them and no
 * extra folder has to ship with the package.
 *
 * The examples reference each other (the SBC names its media server, the media server lists
 * the SBC, the cluster document describes the customer cluster's cluster), so a first
 * `kzops plan` shows how a change across files reads. Their names are new to the simulator's
 * default seed, so the plan creates them rather than adopting the seed's documents.
 */

/** The example customer cluster's id, which is also its cluster document's. */
export const EXAMPLE_CLUSTER_ID = '3f2504e04f8911d39a0c0305e82c3301';
/** The example carrier SBC's key (its file name). */
export const EXAMPLE_SBC_KEY = 'example-east';
/** The example media server's key. */
export const EXAMPLE_MEDIA_SERVER_KEY = 'example-ny';
/**
 * The environment variables the examples name: the same as kzops' own example config, which
 * the workflow templates list, so the installed workflows match this config out of the box.
 */
export const EXAMPLE_API_KEY_ENV = 'KZOPS_SANDBOX_API_KEY';
export const EXAMPLE_CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';

export const TARGETS_YAML = `# yaml-language-server: $schema=../schemas/targets.schema.json
# The servers kzops can reconcile this config against, and the safety policy of each.
# Credentials live in environment variables named here (in CI, repository secrets mapped in
# .github/workflows/), never in this file.
default: local
targets:
  local:
    url: sim # the simulator embedded in kzops: try anything, nothing leaves this machine
  # A real server: uncomment, fill in, and see README.md for its secret.
  # sandbox:
  #   url: https://sandbox.example.net:8443
  #   cluster_id: ${EXAMPLE_CLUSTER_ID} # sent as X-Kazoo-Cluster-ID
  #   api_key_env: ${EXAMPLE_API_KEY_ENV} # the variable holding the API key
  #   master_cluster_id: ${EXAMPLE_CLUSTER_ID} # never deleted or replaced
  #   protect: # never deleted or replaced by kzops apply
  #     - customer_clusters/${EXAMPLE_CLUSTER_ID}
  #   max_change_percent: 30 # apply stops when a plan changes more than this share
  #   rate_limit: { tokens: 100, per_second: 10, auth_cost: 35 } # KAZOO's bucket (the default)
`;

export const CUSTOMER_CLUSTER_YAML = `# yaml-language-server: $schema=../../schemas/customer-cluster.schema.json
# Routing customer cluster (an example: replace it with yours). The file name is the
# cluster's id, 32 lowercase hex characters.
name: Example Customer Cluster
owner: example-team
ips:
  inbound:
    east: [198.51.100.110]
    central: [198.51.100.140]
    west: [198.51.100.170]
  outbound:
    east: [198.51.100.120]
    central: [198.51.100.150]
    west: [198.51.100.180]
randomize_routing: false
`;

export const CARRIER_SBC_YAML = `# yaml-language-server: $schema=../../schemas/carrier-sbc.schema.json
# Carrier SBC (an example: replace it with yours). The file name is its key: references
# elsewhere use it, and the server assigns the id.
name: Example East SBC
carrier: sprint
location:
  zone: east
  state: NY
  city: New York
ips: [203.0.113.110, 203.0.113.111]
mobile_media_server: ${EXAMPLE_MEDIA_SERVER_KEY} # media_servers/${EXAMPLE_MEDIA_SERVER_KEY}.yaml
call_directions:
  - direction: from_mobile_device
    headers:
      variable_sip_h_P-Served-User: sescase=orig
  - direction: from_pstn
    headers:
      variable_sip_h_P-Served-User: sescase=term
number_formatting:
  # From the handset: drop an optional country code, send E.164.
  from_mobile_device:
    to_number:
      pattern: '/^(?:\\+?1)?([2-9][0-9]{9})$/'
      replace: '+1$1'
`;

export const MEDIA_SERVER_YAML = `# yaml-language-server: $schema=../../schemas/media-server.schema.json
# Mobile media server (an example: replace it with yours). It tries the SBCs of each carrier
# in the order listed, by their keys in carrier_sbcs/.
name: Example NY Media Server
location:
  zone: east
  state: NY
  city: New York
interfaces:
  carrier_mpls:
    sprint: sipinterface_sprint_mpls
  authenticated_connection: sipinterface_to_customer
  unauthenticated_connection: sipinterface_sprint_did
carrier_sbc_priority:
  sprint: [${EXAMPLE_SBC_KEY}]
top_ips: [10.26.11.10, 10.26.11.11]
`;

export const CLUSTER_YAML = `# yaml-language-server: $schema=../../schemas/cluster.schema.json
# Cluster document (an example: replace it with yours, or delete it): how the master cluster
# reaches the cluster whose id is the file name. The API key is read from the environment
# variable below when kzops apply writes the document; it is never written here.
mvno_id: example-mvno
api_url: https://sandbox.example.net:8443
api_key:
  env: ${EXAMPLE_CLUSTER_KEY_ENV}
hosted_billing_account_id: 0123456789abcdef0123456789abcdef
`;

export const GITIGNORE = `# kzops' working directory: the embedded simulator's documents, the state of \`url: sim\`
# targets and apply locks. The state of real servers (config/state/) is committed.
.kzops/
node_modules/
`;

/** The team's README. `version` is the kzops that wrote the repository (its schemas' source). */
export function readme(opts: { version: string; defaultBranch: string }): string {
  return `# KAZOO routing config

The routing of our KAZOO platform as code: customer clusters, carrier SBCs, mobile media
servers and cluster documents, one YAML file each under \`config/\`, reconciled with the
support API by [kzops](https://www.npmjs.com/package/kzops). Created by \`kzops init\`
(kzops ${opts.version}).

\`\`\`
config/targets.yaml                  the servers kzops may change, and their safety policy
config/customer_clusters/<ID>.yaml   routing customer clusters (<ID>: 32 lowercase hex)
config/carrier_sbcs/<KEY>.yaml       carrier SBCs (<KEY>: a name you choose, e.g. sprint-east)
config/media_servers/<KEY>.yaml      mobile media servers
config/clusters/<ID>.yaml            cluster documents
config/state/<target>.json           what kzops last applied to each server (written by apply)
schemas/                             JSON Schemas of these files, for editors
.github/workflows/kzops-*.yml        plan on pull requests, apply after merge, nightly drift
\`\`\`

The files under \`config/\` are examples: replace them with ours, or adopt a running server
with \`kzops export --target NAME\`, which writes its documents as config files.

## Working on a change

Install kzops (Node 20.18.1 or later): \`npm install -g kzops\`. From the repository root:

\`\`\`sh
kzops validate                  # schemas, references, patterns, secrets; nothing is contacted
kzops plan                      # what apply would change (default target: local, the simulator)
kzops plan --target sandbox     # ... on a real server (needs its API key variable, see below)
kzops apply                     # make the local simulator match, to try a change end to end
kzops drift --target sandbox    # did anyone change the server outside kzops?
\`\`\`

The \`local\` target is a simulator embedded in kzops: its documents live under \`.kzops/\`
(git-ignored) between runs, and \`rm -rf .kzops\` starts it over. The example cluster
document reads its API key from \`${EXAMPLE_CLUSTER_KEY_ENV}\`: set it (any value will do
for the simulator) before \`kzops apply\`, or delete the example.

## The workflow

1. Change files under \`config/\` on a branch and open a pull request.
2. **kzops plan** (\`.github/workflows/kzops-pr.yml\`) validates the change, with problems
   shown on the changed lines, and posts the plan of every server as one comment, updated
   on each push; the full plans are an artifact of the run. Review the plan, not only the
   YAML.
3. Merge to \`${opts.defaultBranch}\`. **kzops apply** (\`kzops-apply.yml\`) applies each server,
   one run per server at a time, but only if the plan it makes is the one reviewed: the
   comment carries a fingerprint of each plan, and apply refuses (exit 5, nothing done) when
   the server or the config moved since. It then commits \`config/state/<target>.json\`.
   Exit 4 means partly applied (the state is committed; fix the cause and run the workflow
   again from the Actions tab), exit 5 refused by a safety rule (plan again).
4. **kzops drift** (\`kzops-drift.yml\`) runs every night and keeps one issue labelled
   \`kzops-drift\` open while any server differs from \`config/\`, and closes it when all are
   in sync again.

Settings of each workflow (the kzops version to install, which targets, skipping the plan
check, allowing deletes) are the \`env:\` at its top: change them by pull request. A plan
needs \`pull-requests: write\` to comment; pull requests from forks get the validation only.

## Secrets

Nothing secret is written in this repository: \`config/targets.yaml\` names the environment
variable holding each server's API key (\`api_key_env\`), and a cluster document names the one
holding its key (\`api_key: {env: NAME}\`). Locally, export them in your shell. In GitHub,
add each as a repository secret (Settings, Secrets and variables, Actions) and map it in the
\`env:\` of the Plan, Apply and Drift steps of the three workflows, which list
\`${EXAMPLE_API_KEY_ENV}\` and \`${EXAMPLE_CLUSTER_KEY_ENV}\` to start with. kzops never
prints a secret; plans show only whether one changes.

## Adding a server

Uncomment the \`sandbox\` example in \`config/targets.yaml\` and fill it in: the URL, the
cluster id, the variable of its API key, its master cluster and the resources apply must
never delete (\`protect\`). Add the secret as above. \`kzops plan --target sandbox\` shows what
the first apply would do; resources that already exist with the same name are adopted,
never duplicated.

## Schemas

\`schemas/\` holds the JSON Schemas of kzops ${opts.version}; the first line of each config
file points editors at them. After upgrading kzops, refresh them with
\`kzops schema KIND > schemas/KIND.schema.json\` (KIND: targets, customer-cluster,
carrier-sbc, media-server, cluster).
`;
}
