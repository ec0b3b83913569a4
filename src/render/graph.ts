/**
 * The routing topology (src/core/graph/topology.ts) as a picture: a mermaid flowchart (GitHub
 * draws it in markdown), a Graphviz dot graph, or an indented text tree.
 *
 * All three share one layout: a box per carrier with a box per zone holding its SBCs, a box
 * for the media servers by zone, a box for the customer clusters by zone (a cluster with
 * addresses in three zones is drawn once in each), and a box for resources a plan deletes
 * (their files are gone, so where they sat is not known). Solid edges go from an SBC to its
 * media server; dashed edges from a media server to the SBCs it tries, labelled 1, 2, 3 per
 * carrier. Marks (created, changed, deleted) colour nodes.
 *
 * Node and box ids are made from keys and carriers, which may hold characters neither
 * mermaid nor dot accept in an id (`-`, `:`, spaces, anything in a carrier's name): they are
 * replaced by `_`, and a clash after that gets `_2`, `_3`, ... in layout order. Labels are
 * escaped for each language. Pure and deterministic: the same topology gives the same text.
 */
import {
  byText,
  byZone,
  topologyEdges,
  type CarrierSbcNode,
  type CustomerClusterNode,
  type Mark,
  type MediaServerNode,
  type Topology,
} from '../core/graph/topology.js';

export type GraphFormat = 'mermaid' | 'dot' | 'text';

type Shape = 'sbc' | 'media_server' | 'customer_cluster' | 'external';

interface LayoutNode {
  /** Unique in the layout: `<kind>/<key>`, `@<zone>` added for a customer cluster's zones. */
  ref: string;
  /** Readable base for the sanitised id. */
  hint: string;
  shape: Shape;
  /** Label lines: the name (or key), then the key when a name was shown. */
  lines: string[];
  mark?: Mark;
  /** The model node, for the text tree's details. */
  node:
    | { kind: 'sbc'; value: CarrierSbcNode }
    | { kind: 'media_server'; value: MediaServerNode }
    | { kind: 'customer_cluster'; value: CustomerClusterNode; zone?: string };
}

interface LayoutGroup {
  hint: string;
  label: string;
  groups: LayoutGroup[];
  nodes: LayoutNode[];
}

interface LayoutEdge {
  from: string;
  to: string;
  style: 'solid' | 'dashed';
  label?: string;
}

interface Layout {
  groups: LayoutGroup[];
  edges: LayoutEdge[];
}

const NO_ZONE = 'no zone';
const EXTERNAL = 'not managed by kzops';

function labelLines(name: string | undefined, key: string): string[] {
  return name === undefined ? [key] : [name, key];
}

/** Groups `items` by `zoneOf` into zone boxes: zones east to west, then no zone, then external. */
function zoneGroups<T>(
  hint: string,
  items: T[],
  zoneOf: (item: T) => string | undefined,
  isExternal: (item: T) => boolean,
  toNode: (item: T, zone: string | undefined) => LayoutNode,
): LayoutGroup[] {
  const byZoneName = new Map<string, T[]>();
  const noZone: T[] = [];
  const external: T[] = [];
  for (const item of items) {
    const zone = zoneOf(item);
    if (isExternal(item)) external.push(item);
    else if (zone === undefined) noZone.push(item);
    else byZoneName.set(zone, [...(byZoneName.get(zone) ?? []), item]);
  }
  const groups: LayoutGroup[] = [...byZoneName.keys()].sort(byZone).map((zone) => ({
    hint: `${hint}_${zone}`,
    label: `zone ${zone}`,
    groups: [],
    nodes: (byZoneName.get(zone) ?? []).map((item) => toNode(item, zone)),
  }));
  if (noZone.length > 0) {
    groups.push({
      hint: `${hint}_nozone`,
      label: NO_ZONE,
      groups: [],
      nodes: noZone.map((i) => toNode(i, undefined)),
    });
  }
  if (external.length > 0) {
    groups.push({
      hint: `${hint}_external`,
      label: EXTERNAL,
      groups: [],
      nodes: external.map((i) => toNode(i, undefined)),
    });
  }
  return groups;
}

function sbcNode(s: CarrierSbcNode): LayoutNode {
  return {
    ref: `carrier_sbcs/${s.key}`,
    hint: `sbc_${s.key}`,
    shape: s.external ? 'external' : 'sbc',
    lines: labelLines(s.name, s.key),
    ...(s.mark === undefined ? {} : { mark: s.mark }),
    node: { kind: 'sbc', value: s },
  };
}

function mediaServerNode(m: MediaServerNode): LayoutNode {
  return {
    ref: `media_servers/${m.key}`,
    hint: `ms_${m.key}`,
    shape: m.external ? 'external' : 'media_server',
    lines: labelLines(m.name, m.key),
    ...(m.mark === undefined ? {} : { mark: m.mark }),
    node: { kind: 'media_server', value: m },
  };
}

function customerClusterNode(c: CustomerClusterNode, zone: string | undefined): LayoutNode {
  return {
    ref: `customer_clusters/${c.key}${zone === undefined ? '' : `@${zone}`}`,
    hint: `cc_${c.key}${zone === undefined ? '' : `_${zone}`}`,
    shape: 'customer_cluster',
    lines: labelLines(c.name, c.key),
    ...(c.mark === undefined ? {} : { mark: c.mark }),
    node:
      zone === undefined
        ? { kind: 'customer_cluster', value: c }
        : { kind: 'customer_cluster', value: c, zone },
  };
}

function layout(t: Topology): Layout {
  const groups: LayoutGroup[] = [];
  // Deleted resources come from the plan alone: no carrier or zone to place them by.
  const gone = (n: { mark?: Mark }) => n.mark === 'deleted';
  const sbcs = t.carrierSbcs.filter((s) => !gone(s));
  const carriers = [...new Set(sbcs.map((s) => s.carrier ?? ''))].sort(byText);
  for (const carrier of carriers) {
    const label = carrier === '' ? 'no carrier' : `carrier ${carrier}`;
    const hint = carrier === '' ? 'carrier_none' : `carrier_${carrier}`;
    groups.push({
      hint,
      label,
      groups: zoneGroups(
        hint,
        sbcs.filter((s) => (s.carrier ?? '') === carrier),
        (s) => s.zone,
        (s) => s.external === true,
        (s) => sbcNode(s),
      ),
      nodes: [],
    });
  }
  const servers = t.mediaServers.filter((m) => !gone(m));
  if (servers.length > 0) {
    groups.push({
      hint: 'media_servers',
      label: 'media servers',
      groups: zoneGroups(
        'media_servers',
        servers,
        (m) => m.zone,
        (m) => m.external === true,
        (m) => mediaServerNode(m),
      ),
      nodes: [],
    });
  }
  const clusters = t.customerClusters.filter((c) => !gone(c));
  if (clusters.length > 0) {
    // One entry per zone the cluster has addresses in; a cluster with none sits in "no zone".
    const presences: { c: CustomerClusterNode; zone?: string }[] = clusters.flatMap((c) =>
      c.zones.length === 0 ? [{ c }] : c.zones.map((z) => ({ c, zone: z.zone })),
    );
    groups.push({
      hint: 'customer_clusters',
      label: 'customer clusters',
      groups: zoneGroups(
        'customer_clusters',
        presences,
        (p) => p.zone,
        () => false,
        (p) => customerClusterNode(p.c, p.zone),
      ),
      nodes: [],
    });
  }
  const removed: LayoutNode[] = [
    ...t.carrierSbcs.filter(gone).map(sbcNode),
    ...t.mediaServers.filter(gone).map(mediaServerNode),
    ...t.customerClusters.filter(gone).map((c) => customerClusterNode(c, undefined)),
  ];
  if (removed.length > 0) {
    groups.push({ hint: 'removed', label: 'removed from config', groups: [], nodes: removed });
  }
  const edges = topologyEdges(t).map((e): LayoutEdge =>
    e.kind === 'media_server'
      ? { from: e.from, to: e.to, style: 'solid' }
      : { from: e.from, to: e.to, style: 'dashed', label: String(e.rank) },
  );
  return { groups, edges };
}

// -------------------------------------------------------------------------------------------
// Ids

/** Ids made of letters, digits and `_`, unique in one output, allocated in layout order. */
class Ids {
  private readonly used = new Set<string>();
  private readonly byRef = new Map<string, string>();

  allocate(hint: string, ref?: string): string {
    const base = hint.replace(/[^A-Za-z0-9_]/g, '_');
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    if (ref !== undefined) this.byRef.set(ref, id);
    return id;
  }

  of(ref: string): string | undefined {
    return this.byRef.get(ref);
  }
}

function walk(groups: LayoutGroup[], visit: (g: LayoutGroup, depth: number) => void, depth = 0): void {
  for (const g of groups) {
    visit(g, depth);
    walk(g.groups, visit, depth + 1);
  }
}

const MARK_ORDER: readonly Mark[] = ['created', 'changed', 'deleted'];

// -------------------------------------------------------------------------------------------
// Mermaid

/** Mermaid's entity codes: a label may hold anything but can break out of nothing. */
function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/[\r\n]+/g, ' ');
}

const MERMAID_SHAPES: Record<Shape, [string, string]> = {
  sbc: ['["', '"]'],
  media_server: ['(["', '"])'],
  customer_cluster: ['[("', '")]'],
  external: ['{{"', '"}}'],
};

/** GitHub's light and dark themes both keep dark text readable on these fills. */
const MERMAID_CLASSES: Record<Mark, string> = {
  created: 'fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,color:#000',
  changed: 'fill:#fff8c5,stroke:#9a6700,stroke-width:2px,color:#000',
  deleted: 'fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray: 5 5,color:#000',
};

export function renderGraphMermaid(t: Topology): string {
  const { groups, edges } = layout(t);
  const ids = new Ids();
  const lines = ['flowchart LR'];
  const marked = new Map<Mark, string[]>();
  const emit = (list: LayoutGroup[], depth: number): void => {
    const pad = '  '.repeat(depth + 1);
    for (const g of list) {
      lines.push(`${pad}subgraph ${ids.allocate(g.hint)}["${mermaidText(g.label)}"]`);
      emit(g.groups, depth + 1);
      for (const n of g.nodes) {
        const id = ids.allocate(n.hint, n.ref);
        const [open, close] = MERMAID_SHAPES[n.shape];
        lines.push(`${pad}  ${id}${open}${n.lines.map(mermaidText).join('<br/>')}${close}`);
        if (n.mark) marked.set(n.mark, [...(marked.get(n.mark) ?? []), id]);
      }
      lines.push(`${pad}end`);
    }
  };
  emit(groups, 0);
  lines.push(...mermaidEdgesAndMarks(edges, ids, marked));
  return lines.join('\n') + '\n';
}

/** A chart's edges between drawn nodes, then a class line per mark, in MARK_ORDER. */
function mermaidEdgesAndMarks(edges: readonly LayoutEdge[], ids: Ids, marked: Map<Mark, string[]>): string[] {
  const lines: string[] = [];
  for (const e of edges) {
    const from = ids.of(e.from);
    const to = ids.of(e.to);
    if (from === undefined || to === undefined) continue;
    lines.push(
      e.style === 'solid' ? `  ${from} --> ${to}` : `  ${from} -.->|${mermaidText(e.label ?? '')}| ${to}`,
    );
  }
  for (const mark of MARK_ORDER) {
    const nodes = marked.get(mark);
    if (!nodes) continue;
    lines.push(`  classDef ${mark} ${MERMAID_CLASSES[mark]}`);
    lines.push(`  class ${nodes.join(',')} ${mark}`);
  }
  return lines;
}

// -------------------------------------------------------------------------------------------
// Mermaid, for a plan comment

/** How many unchanged neighbours the plan picture draws before it names the rest instead. */
export const PLAN_NEIGHBOURS = 12;

export interface PlanMermaid {
  /** The flowchart, or undefined when nothing routing-related changes. */
  chart?: string;
  /** Unchanged neighbours left out of the picture (`kind/key`), in ref order. */
  omitted: string[];
}

function zonesOf(n: LayoutNode): string[] {
  const { node } = n;
  switch (node.kind) {
    case 'sbc':
      return node.value.zone === undefined ? [] : [node.value.zone];
    case 'media_server':
      return node.value.zone === undefined ? [] : [node.value.zone];
    case 'customer_cluster':
      return node.value.zones.map((z) => z.zone);
  }
}

/**
 * A node's label in the plan picture: the name, then the key and the zones. A key that is a
 * server id (32 hex: customer clusters) says nothing a reader needs next to a name, and is
 * the widest thing in the picture: with a name, only its first 8 digits are shown.
 */
function planLabel(n: LayoutNode): string[] {
  const [first, key] = n.lines.length === 2 ? n.lines : [undefined, n.lines[0] ?? ''];
  const shortKey = first !== undefined && /^[0-9a-f]{32}$/.test(key ?? '') ? `${key?.slice(0, 8)}…` : key;
  const last = [shortKey, ...zonesOf(n)].join(' · ');
  return first === undefined ? [last] : [first, last];
}

/**
 * The picture of a plan for a pull-request comment, which GitHub scales down to the width of
 * the comment column: the fewer and the flatter the boxes, the larger the text. So it draws
 * the resources the plan creates, changes or deletes and their direct neighbours only, with
 * only the edges that touch a changed resource (never the mesh between unchanged
 * neighbours), one box per carrier (the zone is in the label, not a box of its own), and at
 * most `maxNeighbours` unchanged neighbours: those linked to the most changed resources, the
 * rest named in `omitted` for the caller to list under the picture.
 */
export function renderPlanGraphMermaid(t: Topology, maxNeighbours = PLAN_NEIGHBOURS): PlanMermaid {
  const full = layout(t);
  const nodes: LayoutNode[] = [];
  walk(full.groups, (g) => nodes.push(...g.nodes));
  // A cluster drawn once per zone in the full picture is one node here.
  const byRef = new Map<string, LayoutNode>();
  for (const n of nodes) {
    const ref = n.ref.replace(/@[^/]*$/, '');
    if (byRef.has(ref)) continue;
    byRef.set(ref, n.node.kind === 'customer_cluster' ? customerClusterNode(n.node.value, undefined) : n);
  }
  const marked = new Set([...byRef.values()].filter((n) => n.mark !== undefined).map((n) => n.ref));
  if (marked.size === 0) return { omitted: [] };
  const edges = full.edges.filter((e) => marked.has(e.from) || marked.has(e.to));
  // Unchanged neighbours, most linked to changed resources first, then in ref order.
  const links = new Map<string, number>();
  for (const e of edges) {
    for (const end of [e.from, e.to]) {
      if (!marked.has(end)) links.set(end, (links.get(end) ?? 0) + 1);
    }
  }
  const neighbours = [...links.keys()].sort(
    (a, b) => (links.get(b) ?? 0) - (links.get(a) ?? 0) || byText(a, b),
  );
  const drawn = new Set([...marked, ...neighbours.slice(0, maxNeighbours)]);
  const omitted = neighbours.slice(maxNeighbours).sort(byText);

  // The full layout's boxes, flattened to one level, keeping only the nodes drawn.
  const groups: LayoutGroup[] = [];
  for (const top of full.groups) {
    const inside: LayoutNode[] = [];
    walk([top], (g) => {
      for (const n of g.nodes) {
        const flat = byRef.get(n.ref.replace(/@[^/]*$/, ''));
        if (flat !== undefined && drawn.has(flat.ref) && !inside.includes(flat)) inside.push(flat);
      }
    });
    if (inside.length > 0) groups.push({ hint: top.hint, label: top.label, groups: [], nodes: inside });
  }

  const ids = new Ids();
  const lines = ['flowchart LR'];
  const classes = new Map<Mark, string[]>();
  for (const g of groups) {
    lines.push(`  subgraph ${ids.allocate(g.hint)}["${mermaidText(g.label)}"]`);
    for (const n of g.nodes) {
      const id = ids.allocate(n.hint, n.ref);
      const [open, close] = MERMAID_SHAPES[n.shape];
      const label = planLabel(n);
      lines.push(`    ${id}${open}${label.map(mermaidText).join('<br/>')}${close}`);
      if (n.mark) classes.set(n.mark, [...(classes.get(n.mark) ?? []), id]);
    }
    lines.push('  end');
  }
  lines.push(...mermaidEdgesAndMarks(edges, ids, classes));
  return { chart: lines.join('\n') + '\n', omitted };
}

// -------------------------------------------------------------------------------------------
// dot

function dotString(text: string): string {
  return `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ')}"`;
}

const DOT_SHAPES: Record<Shape, string> = {
  sbc: 'box',
  media_server: 'ellipse',
  customer_cluster: 'cylinder',
  external: 'hexagon',
};

const DOT_MARKS: Record<Mark, string> = {
  created: 'style=filled, fillcolor="#dafbe1", color="#1a7f37", penwidth=2',
  changed: 'style=filled, fillcolor="#fff8c5", color="#9a6700", penwidth=2',
  deleted: 'style="filled,dashed", fillcolor="#ffebe9", color="#cf222e", penwidth=2',
};

export function renderGraphDot(t: Topology): string {
  const { groups, edges } = layout(t);
  const ids = new Ids();
  const lines = ['digraph kzops {', '  rankdir=LR;', '  node [shape=box];'];
  const emit = (list: LayoutGroup[], depth: number): void => {
    const pad = '  '.repeat(depth + 1);
    for (const g of list) {
      // Only subgraphs named cluster* are drawn as boxes.
      lines.push(`${pad}subgraph cluster_${ids.allocate(g.hint)} {`);
      lines.push(`${pad}  label=${dotString(g.label)};`);
      emit(g.groups, depth + 1);
      for (const n of g.nodes) {
        const id = ids.allocate(n.hint, n.ref);
        // The escape \n is dot's own line break inside a label.
        const label = n.lines.map((l) => dotString(l).slice(1, -1)).join('\\n');
        const attrs = [`label="${label}"`, `shape=${DOT_SHAPES[n.shape]}`];
        if (n.mark) attrs.push(DOT_MARKS[n.mark]);
        lines.push(`${pad}  ${id} [${attrs.join(', ')}];`);
      }
      lines.push(`${pad}}`);
    }
  };
  emit(groups, 0);
  for (const e of edges) {
    const from = ids.of(e.from);
    const to = ids.of(e.to);
    if (from === undefined || to === undefined) continue;
    lines.push(
      e.style === 'solid'
        ? `  ${from} -> ${to};`
        : `  ${from} -> ${to} [label=${dotString(e.label ?? '')}, style=dashed];`,
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

// -------------------------------------------------------------------------------------------
// Text

const TEXT_MARKS: Record<Mark, string> = { created: '[+]', changed: '[~]', deleted: '[-]' };

function textDetails(n: LayoutNode): { head: string; more: string[] } {
  const { node } = n;
  const name = (v: { name?: string }) => (v.name === undefined ? '' : `  ${JSON.stringify(v.name)}`);
  switch (node.kind) {
    case 'sbc': {
      const s = node.value;
      const to = s.mediaServer === undefined ? '' : `  → media server ${s.mediaServer}`;
      return { head: `${s.key}${name(s)}${to}`, more: [] };
    }
    case 'media_server': {
      const m = node.value;
      return {
        head: `${m.key}${name(m)}`,
        more: m.priority.map(
          ({ carrier, sbcs }) => `${carrier}: ${sbcs.map((k, i) => `${i + 1} ${k}`).join(', ')}`,
        ),
      };
    }
    case 'customer_cluster': {
      const c = node.value;
      const z = c.zones.find((x) => x.zone === node.zone);
      const ips = z
        ? [
            z.inbound.length > 0 ? `in ${z.inbound.join(', ')}` : '',
            z.outbound.length > 0 ? `out ${z.outbound.join(', ')}` : '',
          ].filter((s) => s !== '')
        : [];
      return { head: [`${c.key}${name(c)}`, ...ips].join('  '), more: [] };
    }
  }
}

export function renderGraphText(t: Topology): string {
  const { groups } = layout(t);
  if (groups.length === 0) return 'No routing resources.\n';
  const lines: string[] = [];
  walk(groups, (g, depth) => {
    const pad = '  '.repeat(depth);
    lines.push(`${pad}${g.label}`);
    for (const n of g.nodes) {
      const { head, more } = textDetails(n);
      const mark = n.mark ? `${TEXT_MARKS[n.mark]} ` : '';
      lines.push(`${pad}  ${mark}${head}`);
      for (const m of more) lines.push(`${pad}  ${' '.repeat(mark.length)}  ${m}`);
    }
  });
  return lines.join('\n') + '\n';
}

export function renderGraph(t: Topology, format: GraphFormat): string {
  switch (format) {
    case 'mermaid':
      return renderGraphMermaid(t);
    case 'dot':
      return renderGraphDot(t);
    case 'text':
      return renderGraphText(t);
  }
}
