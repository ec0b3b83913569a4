import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A relative import that passes through a folder of src/ named by one of `layers`. */
function intoLayers(layers, message) {
  return { regex: `^\\.{1,2}/(?:.*/)?(?:${layers.join('|')})(?:/|$)`, message };
}

/** Modules that do I/O (files, network, processes, terminal) or drive the CLI framework. */
const IO_MODULES = [
  '@oclif/core',
  'undici',
  'simple-git',
  'cli-progress',
  ...[
    'fs',
    'fs/promises',
    'http',
    'https',
    'http2',
    'net',
    'tls',
    'dgram',
    'dns',
    'dns/promises',
    'child_process',
  ]
    .concat(['readline', 'readline/promises', 'worker_threads', 'cluster', 'inspector'])
    .flatMap((m) => [m, `node:${m}`]),
];

const ALL_LAYERS = ['api', 'sim', 'io', 'config', 'reconcile', 'services', 'render', 'cli', 'commands'];

function restrict(files, { layers = [], io = false, extra = [], message }) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: io ? IO_MODULES.map((name) => ({ name, message: `${message} (no I/O here)` })) : [],
          patterns: [...(layers.length > 0 ? [intoLayers(layers, message)] : []), ...extra],
        },
      ],
    },
  };
}

export function layerRules() {
  return [
    // core: the pure domain (model, validation, planning). No I/O, nothing from outer layers,
    // so the planner is testable with plain objects.
    restrict(['src/core/**/*.ts'], {
      layers: ALL_LAYERS,
      io: true,
      message: 'src/core is the pure domain: it imports only src/core and pure libraries',
    }),
    // io: small I/O helpers (the atomic file write) that more than one layer needs.
    restrict(['src/io/**/*.ts'], {
      layers: ALL_LAYERS.filter((l) => l !== 'io'),
      message: 'src/io holds neutral I/O helpers: it imports only src/core',
    }),
    // api: the KAZOO client. Knows the wire, not who calls it.
    restrict(['src/api/**/*.ts'], {
      layers: ['sim', 'config', 'reconcile', 'services', 'render', 'cli', 'commands'],
      message: 'src/api (the client) imports only src/core and src/io',
    }),
    // sim: the simulator is a server: it shares the domain, never the CLI or the reconciler.
    restrict(['src/sim/**/*.ts'], {
      layers: ['config', 'reconcile', 'services', 'render', 'cli', 'commands'],
      extra: [
        {
          regex: '^\\.{1,2}/(?:.*/)?api/(?!version\\.js$)',
          message: 'src/sim imports from src/api only the package version (it is a server, not a client)',
        },
      ],
      message: 'src/sim imports only src/core and src/io',
    }),
    // config: reads the config directory and the shipped schemas.
    restrict(['src/config/**/*.ts'], {
      layers: ['api', 'sim', 'reconcile', 'services', 'render', 'cli', 'commands'],
      message: 'src/config imports only src/core and src/io',
    }),
    // reconcile: plan and apply against a client: the domain plus the client, never the
    // simulator (tests wire the two together) nor the command line.
    restrict(['src/reconcile/**/*.ts'], {
      layers: ['sim', 'services', 'render', 'cli', 'commands'],
      message: 'src/reconcile imports only src/core, src/api, src/io and src/config',
    }),
    // render: text for people, from plain results. The API's wire shapes (api/types) as types only.
    restrict(['src/render/**/*.ts'], {
      layers: ['sim', 'io', 'config', 'reconcile', 'services', 'cli', 'commands'],
      io: true,
      extra: [
        {
          regex: '^\\.{1,2}/(?:.*/)?api/(?!types\\.js$)',
          message:
            'src/render renders plain results: from src/api it may only `import type` the wire shapes (api/types.js)',
        },
        {
          regex: '^\\.{1,2}/(?:.*/)?api/types\\.js$',
          allowTypeImports: true,
          message: 'src/render may only `import type` from api/types.js',
        },
      ],
      message: 'src/render imports only src/core (and formatting libraries)',
    }),
    // services: plan, apply, drift, export, support operations, conformance: neither the CLI
    // plumbing nor a command (commands call services; a service talks to people through a Ui).
    restrict(['src/services/**/*.ts'], {
      layers: ['cli', 'commands'],
      message:
        'src/services must not import src/cli or commands (commands call services, and a service prints through its Ui)',
    }),
    // cli: oclif plumbing (base command, flags, colour, exit codes).
    restrict(['src/cli/**/*.ts'], {
      layers: ['commands'],
      message: 'src/cli must not import commands',
    }),
    // commands: one oclif command each; a command calls services, never another command.
    restrict(['src/commands/*.ts'], {
      extra: [
        {
          regex: '^\\./',
          message: 'a command must not import another command: move the shared part to src/services',
        },
      ],
      message: '',
    }),
    restrict(['src/commands/*/*.ts'], {
      extra: [
        {
          regex: '^\\./|^\\.\\./(?!\\.\\./)',
          message: 'a command must not import another command: move the shared part to src/services',
        },
      ],
      message: '',
    }),
  ];
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.kzops/', 'bench/*.js', 'bin/', 'scripts/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layers (README "Contributing: layers"): each folder of src/ is a layer, and these rules say
  // which layers it may import, at every depth (a file in src/core/plan/ as much as one in
  // src/core/). Each src file matches exactly one block below (flat config does not merge two
  // settings of one rule: the last wins).
  ...layerRules(),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
