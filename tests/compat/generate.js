#!/usr/bin/env node
// Builds dialbridge's jambonz compatibility corpus (tests/fixtures/compat/)
// with jambonz's own libraries: every application is made by
// @jambonz/node-client's WebhookResponse (which validates each verb against
// the specification it ships) and checked again against the newest
// @jambonz/verb-specifications. An application the older specification of
// node-client refuses (a property added since) is built as plain JSON and
// must pass the newer one; an application neither accepts is a bug here and
// stops the run.
//
// What it covers, from the specification itself (nothing is listed by hand
// except sample values and where a nested type is carried):
//   - each verb once with its base properties (`<verb>.json`);
//   - each property of each verb, one application per property
//     (`<verb>.<property>.json`);
//   - each property of each nested type a verb can carry (target, amd,
//     synthesizer, recognizer, bargeIn, listenOptions, ...), inside one
//     chosen carrier verb (`<verb>.<path>.<property>.json`). The speech
//     vendors' option objects of `recognizer` (deepgramOptions, ...) are
//     passed through to the vendor by jambonz: each is one application, not
//     one per inner property (there are several hundred);
//   - a few whole applications as jambonz's examples write them
//     (`app.<name>.json`).
//
// Run: npm install && node generate.js   (from tests/compat/)
'use strict';

const fs = require('fs');
const path = require('path');
const WebhookResponse = require('@jambonz/node-client').WebhookResponse;
const { validate, specs } = require('@jambonz/verb-specifications');

const OUT = path.join(__dirname, '..', 'fixtures', 'compat');

// The verbs of jambonz's specification (the other keys of specs.json are
// types nested in verbs). `stream` is jambonz's alias of `listen`; `record`
// is only the type of conference.record.
const VERBS = [
  'dial', 'config', 'say', 'play', 'gather', 'pause', 'hangup', 'redirect', 'tag',
  'answer', 'alert', 'dtmf', 'sip:decline', 'sip:request', 'sip:refer', 'leave',
  'conference', 'enqueue', 'dequeue', 'rest:dial', 'listen', 'stream', 'transcribe',
  'dub', 'message', 'dialogflow', 'lex', 'rasa', 'llm', 'pipeline',
];

const HOOK = (name) => `https://app.example.com/${name}`;
const NUMBER = '+15083084809';
const CALLER = '+15085551212';

// Base properties of each verb: its required ones with working values
// (gather also gets the actionHook every real gather has, sip:request the
// body every INFO carries).
const BASE = {
  alert: { message: 'info=alert-internal' },
  conference: { name: 'sales-standup' },
  dequeue: { name: 'support' },
  dial: { target: [{ type: 'phone', number: NUMBER }] },
  dialogflow: { project: 'my-agent', credentials: '{"type":"service_account"}', lang: 'en-US' },
  dtmf: { dtmf: '1234#' },
  dub: { action: 'addTrack', track: 'ambient' },
  enqueue: { name: 'support' },
  gather: { actionHook: HOOK('digits') },
  lex: { botId: 'BOT1', botAlias: 'prod', region: 'us-east-1', credentials: { accessKey: 'AK', secretKey: 'SK' } },
  listen: { url: 'wss://ws.example.com/audio' },
  llm: { vendor: 'openai', llmOptions: { messages: [] } },
  message: { to: NUMBER, from: CALLER, text: 'hello' },
  pause: { length: 2 },
  pipeline: { llm: { vendor: 'openai', llmOptions: {} } },
  play: { url: 'https://media.example.com/hello.wav' },
  rasa: { url: 'https://rasa.example.com/webhooks/rest/webhook' },
  redirect: { actionHook: HOOK('next') },
  'rest:dial': { call_hook: HOOK('outbound'), from: CALLER, to: { type: 'phone', number: NUMBER } },
  say: { text: 'Hello, thanks for calling.' },
  'sip:decline': { status: 486, reason: 'Busy Here' },
  'sip:refer': { referTo: 'sip:bob@sip.example.com' },
  'sip:request': { method: 'INFO', body: 'hello=1' },
  stream: { url: 'wss://ws.example.com/audio' },
  tag: { data: { customer: 'acme' } },
  transcribe: { transcriptionHook: HOOK('transcript') },
};

// Where a nested type is carried (verb, property path); the others are
// found by a breadth-first walk from the verbs.
const CARRIER = {
  auth: ['dial', ['target', 0, 'auth'], { target: [{ type: 'sip', sipUri: 'sip:alice@sip.example.com' }] }],
  dialFrom: ['dial', ['target', 0, 'from']],
  target: ['dial', ['target', 0]],
  amd: ['dial', ['amd']],
  synthesizer: ['say', ['synthesizer']],
  recognizer: ['config', ['recognizer']],
  vad: ['config', ['vad']],
  fillerNoise: ['config', ['fillerNoise']],
  actionHookDelayAction: ['config', ['actionHookDelayAction']],
  record: ['conference', ['record']],
};

// Minimal values of nested types (their required properties).
const MINIMAL = {
  target: { type: 'phone', number: NUMBER },
  amd: { actionHook: HOOK('amd') },
  synthesizer: { vendor: 'google', language: 'en-US', voice: 'en-US-Wavenet-C' },
  recognizer: { vendor: 'google', language: 'en-US' },
  bargeIn: { enable: true, actionHook: HOOK('bargein'), input: ['digits'] },
  listenOptions: { enable: true, url: 'wss://ws.example.com/audio' },
  transcribeOptions: { enable: true, transcriptionHook: HOOK('transcript') },
  ttsStream: { enable: true },
  fillerNoise: { enable: true, url: 'https://media.example.com/typing.wav' },
  recordOptions: { action: 'startCallRecording', siprecServerURL: 'sip:srs@recorder.example.com' },
  auth: { username: 'alice', password: 'wonderland' },
  record: { path: 'recordings/sales.wav' },
  llm: { vendor: 'openai', llmOptions: {} },
  mcpServer: { url: 'https://mcp.example.com/sse' },
  formatting: { scheme: 'date', options: {} },
  lexIntent: { name: 'BookFlight' },
  turnDetection: { type: 'server_vad' },
  sm_audioFilteringConfig: { volume_threshold: 3 },
  sm_transcriptFilteringConfig: { remove_disfluencies: true },
  sm_translationConfig: { target_languages: ['fr'] },
};

// Whole targets for the target properties that belong to one target type.
const TARGET_VARIANT = {
  sipUri: { type: 'sip', sipUri: 'sip:alice@sip.example.com' },
  auth: { type: 'sip', sipUri: 'sip:alice@sip.example.com', auth: { username: 'alice', password: 'wonderland' } },
  name: { type: 'user', name: 'jane@sip.example.com' },
  tenant: { type: 'teams', number: NUMBER, tenant: 'contoso.example.com' },
  vmail: { type: 'teams', number: NUMBER, tenant: 'contoso.example.com', vmail: true },
  trunk: { type: 'phone', number: NUMBER, trunk: 'Twilio' },
  method: { type: 'phone', number: NUMBER, confirmHook: HOOK('screen'), method: 'GET' },
  overrideTo: { type: 'user', name: 'jane@sip.example.com', overrideTo: 'sip:jane@10.0.0.7:5060' },
  from: { type: 'phone', number: NUMBER, from: { user: CALLER, host: 'sip.example.com' } },
  proxy: { type: 'phone', number: NUMBER, proxy: 'sip:203.0.113.5:5060' },
};

// Sample values by `type.property`, then by `property`.
const SAMPLE = {
  'play.url': 'https://media.example.com/hello.wav',
  'play.loop': 2,
  'play.seekOffset': 8000,
  'play.timeoutSecs': 10,
  'say.text': 'Hello',
  'say.loop': 2,
  'say.instructions': 'Speak slowly and warmly.',
  'gather.input': ['digits'],
  'gather.numDigits': 4,
  'gather.maxDigits': 8,
  'gather.timeout': 10,
  'gather.interDigitTimeout': 3,
  'gather.speechTimeout': 2,
  'gather.play': { url: 'https://media.example.com/menu.wav' },
  'gather.say': { text: 'Press 1 for sales.' },
  'bargeIn.input': ['digits'],
  'bargeIn.numDigits': 1,
  'bargeIn.maxDigits': 4,
  'dial.timeout': 30,
  'dial.timeLimit': 3600,
  'dial.callerId': CALLER,
  'dial.callerName': 'Acme Sales',
  'dial.dialMusic': 'https://media.example.com/ring.wav',
  'dial.dtmfCapture': { childCall: ['*2'], parentCall: ['*3'] },
  'dial.listen': { url: 'wss://ws.example.com/audio' },
  'dial.stream': { url: 'wss://ws.example.com/audio' },
  'dial.transcribe': { transcriptionHook: HOOK('transcript') },
  'dial.dub': [{ action: 'addTrack', track: 'ambient' }],
  'dial.proxy': 'sip:203.0.113.5:5060',
  'dial.boostAudioSignal': '-6 dB',
  'config.boostAudioSignal': '+6 dB',
  'config.reset': ['synthesizer', 'recognizer'],
  'config.onHoldMusic': 'https://media.example.com/hold.wav',
  'dialFrom.user': CALLER,
  'dialFrom.host': 'sip.example.com',
  'amd.thresholdWordCount': 9,
  'amd.digitCount': 8,
  'amdTimers.noSpeechTimeoutMs': 5000,
  'amdTimers.decisionTimeoutMs': 15000,
  'amdTimers.toneTimeoutMs': 20000,
  'amdTimers.greetingCompletionTimeoutMs': 2000,
  'sip:decline.status': 486,
  'sip:refer.referredBy': 'sip:alice@sip.example.com',
  'sip:refer.referredByDisplayName': 'Alice',
  'sip:request.body': 'signal=5\nduration=160',
  'sip:request.headers': { 'Content-Type': 'application/dtmf-relay' },
  'dtmf.duration': 250,
  'alert.message': 'info=alert-internal',
  'conference.speakOnlyTo': 'CA1234',
  'conference.statusEvents': ['start', 'end', 'join', 'leave'],
  'conference.memberTag': 'agent',
  'conference.maxParticipants': 10,
  'conference.endConferenceDuration': 30,
  'conference.listen': { url: 'wss://ws.example.com/audio' },
  'dequeue.timeout': 10,
  'dequeue.callSid': 'CA1234',
  'enqueue.priority': 1,
  'enqueue._': { origin: 'ivr' },
  'listen.sampleRate': 8000,
  'listen.maxLength': 3600,
  'listen.finishOnKey': '#',
  'listen.timeout': 30,
  'listen.transcribe': { transcriptionHook: HOOK('transcript') },
  'listenOptions.sampleRate': 8000,
  'pause.length': 2,
  'synthesizer.voice': 'en-US-Wavenet-C',
  'synthesizer.fallbackVoice': 'en-US-Standard-A',
  'synthesizer.language': 'en-US',
  'synthesizer.fallbackLanguage': 'en-US',
  'synthesizer.vendor': 'google',
  'synthesizer.fallbackVendor': 'microsoft',
  'recognizer.language': 'en-US',
  'recognizer.fallbackLanguage': 'en-GB',
  'recognizer.vendor': 'google',
  'recognizer.fallbackVendor': 'microsoft',
  'recognizer.hints': ['sales', 'support'],
  'recognizer.altLanguages': ['es-US'],
  'recognizer.asrDtmfTerminationDigit': '#',
  'transcribeOptions.transcriptionHook': HOOK('transcript'),
  'fillerNoise.url': 'https://media.example.com/typing.wav',
  'fillerNoise.startDelaySecs': 2,
  'actionHookDelayAction.actions': [{ verb: 'say', text: 'One moment please.' }],
  'actionHookDelayAction.giveUpActions': [{ verb: 'hangup' }],
  'actionHookDelayAction.noResponseTimeout': 3,
  'actionHookDelayAction.noResponseGiveUpTimeout': 20,
  'actionHookDelayAction.retries': 2,
  'vad.voiceMs': 250,
  'vad.silenceMs': 150,
  'vad.mode': 2,
  'vad.strategy': 'one-shot',
  'recordOptions.recordingID': 'rec-1',
  'recordOptions.headers': { 'X-Recording': 'yes' },
  'rest:dial.call_status_hook': HOOK('status'),
  'rest:dial.fromHost': 'sip.example.com',
  'rest:dial.timeout': 30,
  'rest:dial.timeLimit': 3600,
  'message.media': ['https://media.example.com/pic.jpg'],
  'mcpServer.roots': [],
  'pipeline.turnDetection': 'krisp',
  'pipeline.noiseIsolation': 'krisp',
  'record.path': 'recordings/sales.wav',
  id: 'step-1',
  headers: { 'X-Account': 'acme' },
  tag: { customer: 'acme' },
  data: { customer: 'acme' },
  metadata: { customer: 'acme' },
  dtmf: '1234#',
  text: 'hello',
  url: 'https://app.example.com/ws',
  number: NUMBER,
  from: CALLER,
  to: NUMBER,
  callerName: 'Acme Sales',
  finishOnKey: '#',
  events: ['intent'],
  welcomeEventParams: {},
};

const OPAQUE = /Options$|^sm_|^sonioxStorage$|^promptTemplates$|^turnDetection$|^formatting$|^resource/;

function refOf(d) {
  if (typeof d === 'string' && d.startsWith('#')) return { type: d.slice(1), list: false };
  if (Array.isArray(d) && typeof d[0] === 'string' && d[0].startsWith('#')) {
    return { type: d[0].slice(1), list: true };
  }
  return null;
}

function minimal(type) {
  if (MINIMAL[type]) return clone(MINIMAL[type]);
  if (BASE[type]) return clone(BASE[type]);
  const spec = specs[type];
  const out = {};
  for (const r of (spec && spec.required) || []) out[r] = sample(type, r, spec.properties[r]);
  return out;
}

function clone(v) {
  return JSON.parse(JSON.stringify(v));
}

function sample(type, prop, d) {
  const key = `${type}.${prop}`;
  if (key in SAMPLE) return clone(SAMPLE[key]);
  if (/Hook$|_hook$/.test(prop)) return HOOK(prop);
  const ref = refOf(d);
  if (ref) return ref.list ? [minimal(ref.type)] : minimal(ref.type);
  if (prop in SAMPLE) return clone(SAMPLE[prop]);
  if (d && typeof d === 'object' && d.enum) return d.enum[0];
  const first = typeof d === 'string' ? d.split('|')[0].trim() : d;
  switch (first) {
    case 'string': return /url|Uri|URL|uri/.test(prop) ? 'https://example.com/x' : 'example';
    case 'number': return 1;
    case 'boolean': return true;
    case 'object': return {};
    case 'array': return [];
    default: throw new Error(`no sample for ${key} (${JSON.stringify(d)})`);
  }
}

// The carrier of each nested type: a verb, the path to the type, and the
// types along that path (each filled with its minimal value).
function carriers() {
  const found = {};
  for (const [type, [verb, at, base]] of Object.entries(CARRIER)) {
    found[type] = [verb, at, [[at, type]], base];
  }
  const queue = VERBS.filter((v) => specs[v]).map((v) => [v, v, [], []]);
  while (queue.length) {
    const [verb, type, at, chain] = queue.shift();
    for (const [prop, d] of Object.entries(specs[type].properties || {})) {
      const ref = refOf(d);
      if (!ref || !specs[ref.type] || VERBS.includes(ref.type) || ref.type === 'stream') continue;
      const here = ref.list ? [...at, prop, 0] : [...at, prop];
      const herechain = [...chain, [here, ref.type]];
      if (!(ref.type in found)) found[ref.type] = [verb, here, herechain];
      const [fv, fat] = found[ref.type];
      if (fv === verb && JSON.stringify(fat) === JSON.stringify(here)) {
        found[ref.type][2] = herechain;
        if (!OPAQUE.test(ref.type)) queue.push([verb, ref.type, here, herechain]);
      }
    }
  }
  return found;
}

function setAt(obj, at, value) {
  let o = obj;
  for (let i = 0; i < at.length - 1; i++) {
    if (o[at[i]] === undefined) o[at[i]] = typeof at[i + 1] === 'number' ? [] : {};
    o = o[at[i]];
  }
  o[at[at.length - 1]] = value;
}

function getAt(obj, at) {
  return at.reduce((o, k) => (o === undefined ? undefined : o[k]), obj);
}

// Builds one application with WebhookResponse; falls back to plain JSON
// checked by the newer specification when node-client's is older.
function build(verbs) {
  const app = new WebhookResponse();
  try {
    for (const [name, props] of verbs) app[name.replace(':', '_')](clone(props));
    const json = JSON.parse(JSON.stringify(app));
    validate(console, json);
    return { json, builder: 'WebhookResponse' };
  } catch (e) {
    const json = verbs.map(([name, props]) => ({ verb: name, ...clone(props) }));
    try {
      validate(console, json);
    } catch (e2) {
      throw new Error(`${JSON.stringify(json)} is refused by both specifications: ${e.message}; ${e2.message}`);
    }
    return { json, builder: 'verb-specifications' };
  }
}

const apps = new Map();
function add(name, verbs) {
  const file = name.replace(/:/g, '_');
  if (apps.has(file)) throw new Error(`duplicate ${file}`);
  apps.set(file, build(verbs));
}

for (const verb of VERBS) {
  const spec = specs[verb] || (verb === 'stream' ? specs.listen : null);
  const base = BASE[verb] || {};
  add(verb, [[verb, base]]);
  for (const [prop, d] of Object.entries(spec.properties || {})) {
    if (prop in base) continue;
    add(`${verb}.${prop}`, [[verb, { ...base, [prop]: sample(verb, prop, d) }]]);
  }
}

const carry = carriers();
for (const [type, [verb, at, chain, carrierBase]] of Object.entries(carry).sort()) {
  if (!getAtPath(type, verb, at)) continue;
  const spec = specs[type];
  const dotted = at.filter((k) => typeof k === 'string').join('.');
  if (OPAQUE.test(type)) continue; // carried whole by its parent's application
  for (const [prop, d] of Object.entries(spec.properties || {})) {
    const props = clone(carrierBase || BASE[verb] || {});
    for (const [p, t] of chain) if (getAt(props, p) === undefined) setAt(props, p, minimal(t));
    let value;
    if (type === 'target' && TARGET_VARIANT[prop]) value = clone(TARGET_VARIANT[prop]);
    else value = { ...(getAt(props, at) || minimal(type)), [prop]: sample(type, prop, d) };
    setAt(props, at, value);
    const name = `${verb}.${dotted}.${prop}`;
    if (apps.has(name.replace(/:/g, '_'))) continue;
    add(name, [[verb, props]]);
  }
}

function getAtPath(type, verb, at) {
  return specs[type] && specs[verb] && at.length > 0;
}

// Whole applications as jambonz's documentation writes them.
add('app.config-then-dial', [
  ['config', {
    synthesizer: { vendor: 'google', language: 'en-US', voice: 'en-US-Wavenet-C' },
    recognizer: { vendor: 'google', language: 'en-US' },
    amd: { actionHook: HOOK('amd') },
  }],
  ['say', { text: 'Connecting you now.' }],
  ['dial', {
    callerId: CALLER, answerOnBridge: true, timeout: 20, actionHook: HOOK('dial-status'),
    target: [
      { type: 'phone', number: NUMBER },
      { type: 'user', name: 'jane@sip.example.com' },
      { type: 'sip', sipUri: 'sip:bob@sip.example.com', proxy: 'sip:203.0.113.5:5060' },
    ],
  }],
  ['hangup', {}],
]);
add('app.ivr-menu', [
  ['gather', {
    actionHook: HOOK('menu'), input: ['digits'], numDigits: 1, timeout: 8, dtmfBargein: true,
    say: { text: 'For sales press 1, for support press 2.' },
  }],
  ['say', { text: 'We did not get your choice. Goodbye.' }],
  ['hangup', {}],
]);
add('app.screened-dial', [
  ['dial', {
    actionHook: HOOK('dial-status'), dtmfCapture: { childCall: ['*2'] },
    target: [{ type: 'phone', number: NUMBER, confirmHook: HOOK('whisper'), method: 'POST' }],
  }],
]);
add('app.busy', [
  ['alert', { message: 'info=alert-internal' }],
  ['pause', { length: 1.5 }],
  ['sip:decline', { status: 486, reason: 'Busy Here', headers: { 'Retry-After': '60' } }],
]);
add('app.play-then-transfer', [
  ['answer', {}],
  ['play', { url: 'https://media.example.com/transfer.wav', timeoutSecs: 10, actionHook: HOOK('played') }],
  ['dtmf', { dtmf: '1#' }],
  ['sip:refer', { referTo: 'sip:queue@pbx.example.com', actionHook: HOOK('refer') }],
]);
add('app.info-dtmf-relay', [
  ['sip:request', {
    method: 'INFO', body: 'Signal=5\r\nDuration=160\r\n',
    headers: { 'Content-Type': 'application/dtmf-relay' },
  }],
]);
// The base properties above are what real applications send; what the
// specification allows without them is covered here.
add('app.gather-without-hook', [['gather', { input: ['digits'], numDigits: 1 }]]);
add('app.info-without-body', [['sip:request', { method: 'INFO' }]]);
add('app.say-streamed', [['say', { stream: true }]]);
add('app.stream-config', [
  ['config', { listen: { enable: true, url: 'wss://ws.example.com/audio', mixType: 'stereo' } }],
  ['say', { text: 'This call is recorded.' }],
  ['dial', { target: [{ type: 'phone', number: NUMBER }] }],
]);

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });
const builders = {};
for (const [name, { json, builder }] of apps) {
  fs.writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  builders[builder] = (builders[builder] || 0) + 1;
}
console.log(`${apps.size} applications written to ${path.relative(process.cwd(), OUT)}`, builders);
