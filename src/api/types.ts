/**
 * Documents of the KAZOO support API, as its reference shows them. Fields the reference's
 * examples do not always include are optional; values it shows as `null` are nullable.
 * Timestamps are Gregorian seconds (Unix seconds + 62167219200).
 *
 * Documents are `type` aliases rather than interfaces on purpose: object types are
 * assignable to `Record<string, unknown>`, so generic code (rendering, diffing) can take
 * them without casts; interfaces are not.
 */

/** What every client method returns. */
export interface ApiResult<T> {
  data: T;
  /** The server's request id (envelope `request_id`, else the `X-Request-ID` header). */
  requestId?: string;
  /** The document revision (envelope `revision`, else the `ETag` header). */
  revision?: string;
  /** The whole parsed response body: `carrier`, `account_id`, `empty_months`, paging keys... */
  envelope: Record<string, unknown>;
}

/** A PATCH body: any subset of fields; `null` removes a key. Arrays are replaced whole. */
export type Patch<T> = {
  [K in keyof T]?:
    | (NonNullable<T[K]> extends readonly unknown[]
        ? T[K]
        : NonNullable<T[K]> extends object
          ? Patch<NonNullable<T[K]>>
          : T[K])
    | null;
};

/** A document as written: the server assigns or takes `id` from the path. */
export type Body<T> = Omit<T, 'id'>;

// ---------------------------------------------------------------------------------------
// Routing documents

export type Location = {
  zone: string;
  state?: string;
  city?: string;
};

/** Zone (`east`, `central`, `west`) → IP addresses. */
export type ZoneIps = Record<string, string[]>;

export type CustomerCluster = {
  id: string;
  name: string;
  owner?: string;
  ips?: { inbound?: ZoneIps; outbound?: ZoneIps };
  randomize_routing?: boolean;
};

/** An entry of the customer-cluster listing. */
export type CustomerClusterSummary = Pick<CustomerCluster, 'id' | 'name' | 'owner'>;

/** Call direction names used by `call_directions` and `number_formatting`. */
export type CallDirection = 'from_mobile_device' | 'from_pstn' | 'to_mobile_device' | (string & {});

export type CallDirectionHeaders = {
  direction: CallDirection;
  /** SIP header variables to set, e.g. `variable_sip_h_P-Served-User`. */
  headers?: Record<string, string>;
};

/** A PCRE-style rewrite: `pattern` written `/^...$/`, `replace` using `$1`... */
export type NumberRewrite = {
  pattern: string;
  replace: string;
};

export type CarrierSbc = {
  id: string;
  name: string;
  /** Shown in the listing's entries; absent from the single-document examples. */
  carrier?: string;
  location?: Location;
  ips?: string[];
  mobile_media_server?: string;
  call_directions?: CallDirectionHeaders[];
  /** Direction → field (`to_number`) → rewrite. */
  number_formatting?: Record<string, Record<string, NumberRewrite>>;
};

/** An entry of the carrier-SBC listing. */
export type CarrierSbcSummary = Pick<
  CarrierSbc,
  'id' | 'name' | 'carrier' | 'location' | 'mobile_media_server'
>;

export type MediaServerInterfaces = {
  /** Carrier → SIP interface name. */
  carrier_mpls?: Record<string, string>;
  authenticated_connection?: string;
  unauthenticated_connection?: string;
};

export type MediaServer = {
  id: string;
  name: string;
  location?: Location;
  interfaces?: MediaServerInterfaces;
  /** Carrier → carrier SBC ids in priority order. */
  carrier_sbc_priority?: Record<string, string[]>;
  top_ips?: string[];
};

/** An entry of the media-server listing. */
export type MediaServerSummary = Pick<MediaServer, 'id' | 'name' | 'location' | 'carrier_sbc_priority'>;

/**
 * The typed shape of each routing kind (src/core/model/kinds.ts): the document, and an entry
 * of its listing. A new routing kind adds its row here.
 */
export type RoutingDocs = {
  customer_clusters: { doc: CustomerCluster; summary: CustomerClusterSummary };
  carrier_sbcs: { doc: CarrierSbc; summary: CarrierSbcSummary };
  media_servers: { doc: MediaServer; summary: MediaServerSummary };
};

// ---------------------------------------------------------------------------------------
// Cluster documents

/** A cluster document as written: `api_key` in clear; the server encrypts it on creation. */
export type ClusterDocument = {
  mvno_id: string;
  api_url: string;
  api_key: string;
  hosted_billing_account_id: string;
};

/** A cluster document as read back: `api_key` is the encrypted value, never the key. */
export type ClusterDocumentRead = ClusterDocument & {
  id: string;
};

// ---------------------------------------------------------------------------------------
// Devices and subscriptions

export type DeviceModel = {
  name?: string;
  number?: string;
  manufacturer?: string;
};

export type SipCredentials = {
  realm?: string;
  username?: string;
  password?: string;
};

export type Voice = {
  protocol?: string;
  sip?: SipCredentials;
};

export type DataCap = {
  cap: number;
  rate?: string;
};

/**
 * Data policies. The reference shows both `{caps: {blocking, throttling}}` (import, lookup)
 * and `{blocking, throttling}` at the top (patch), so both shapes are allowed.
 */
export type DataPolicy = {
  caps?: { blocking?: DataCap; throttling?: DataCap };
  blocking?: DataCap;
  throttling?: DataCap;
};

/** Carrier-specific identifiers, e.g. `msid`, `csa`. */
export type CarrierData = Record<string, unknown>;

/** The subscription summary embedded in a device document. */
export type DeviceSubscription = {
  esn?: string | null;
  mdn?: string | null;
  sim?: string | null;
  imsi?: string | null;
  csa?: string;
  plan?: string;
  features?: string[];
  carrier_data?: CarrierData;
  activation_date?: number;
};

export type AdditionalProperties = {
  /** Gregorian seconds; the support PATCH routes stamp it. */
  last_manual_update?: number;
  name?: string;
  [key: string]: unknown;
};

export type Device = {
  id: string;
  name?: string;
  model?: DeviceModel;
  subscription?: DeviceSubscription;
  data?: DataPolicy;
  voice?: Voice;
  additional_properties?: AdditionalProperties;
};

/** Body of a device import: `esn` or `mdn` (mdn wins when both are given). */
export type DeviceImport = {
  esn?: string;
  mdn?: string;
  name?: string;
  voice?: Voice;
  data?: DataPolicy;
};

export type DevicePatch = Patch<Body<Device>>;

/** A subscription document in the TOP database (its public view). */
export type TopSubscription = {
  id: string;
  esn: string | null;
  sim: string | null;
  mdn: string | null;
  imsi: string | null;
  plan: string;
  features: string[];
  suspended?: boolean;
  carrier_data?: CarrierData;
  carrier_name?: string;
  additional_properties?: AdditionalProperties;
};

export type SubscriptionPatch = Patch<Body<TopSubscription>>;

/** A subscription as the carrier reports it. */
export type CarrierSubscription = {
  esn?: string | null;
  mdn?: string | null;
  sim?: string | null;
  imsi?: string | null;
  plan?: string;
  features?: string[];
  carrier?: string;
  carrier_data?: CarrierData;
  activation_date?: number;
  suspended?: boolean;
};

/** How to find a subscription: by exactly one of ESN, SIM or MDN. */
export type SubscriptionKey = { esn: string } | { sim: string } | { mdn: string };

export type SubscriptionImport = SubscriptionKey & {
  /** Name, voice and data for the device created with the subscription, if any. */
  device_data?: Omit<DeviceImport, 'esn' | 'mdn'>;
};

export type SubscriptionMove = {
  target_account_id: string;
  target_cluster_id?: string;
};

/** A raw TOP document: private fields (`_id`, `pvt_*`) included. */
export type RawDocument = Record<string, unknown> & { _id: string };

export type LookupResult = {
  carrier_data: CarrierSubscription;
  /** Present when the subscription is also in the TOP database. */
  account_id?: string;
  document?: RawDocument;
};

// ---------------------------------------------------------------------------------------
// Usage and ports

/** A month as `YYYYMM`. */
export type Month = string;

/** A single month, or a range (each end defaults to the current month on the server). */
export type UsageRange = { month: Month } | { from?: Month; to?: Month };

export type UsageReport = {
  from: Month;
  to: Month;
  /** Bytes. */
  total: number;
  /** MDN → bytes. */
  per_mdn: Record<string, number>;
  /** Requested months without any usage. */
  empty_months?: Month[];
};

export type AuditReport = {
  from: Month;
  to: Month;
  total: number;
  /** Account id (or `unknown_account`) → MDN → bytes. */
  accounts: Record<string, Record<string, number>>;
  empty_months?: Month[];
};

/** Port status codes; `canceled` and `completed` update the device. */
export type PortStatusCode = 'completed' | 'canceled' | (string & {});

export type PortStatus = {
  code: PortStatusCode;
  source: string;
  /** Added by the server on a manual update. */
  forced_update?: boolean;
};

export type PortStatusUpdate = {
  code: PortStatusCode;
  source?: string;
};
