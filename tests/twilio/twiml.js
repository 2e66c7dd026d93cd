// The twilio helper library's side of tests/rcml_twilio.rs.
//
//   node twiml.js documents   prints [{name, xml}]: TwiML built with
//                             VoiceResponse for every verb and attribute
//                             dialbridge supports (README, "RCML / TwiML
//                             applications").
//   node twiml.js validate    reads [{token, signature, url, params}] on
//                             stdin, prints [true|false] from
//                             twilio.validateRequest for each.
'use strict';

const twilio = require('twilio');
const { VoiceResponse } = twilio.twiml;

function documents() {
  const docs = [];
  const add = (name, build) => {
    const r = new VoiceResponse();
    build(r);
    docs.push({ name, xml: r.toString() });
  };
  add('dial-bare-number', (r) => r.dial('1-444-555-666'));
  add('dial-attributes', (r) => {
    const d = r.dial({
      action: '/after',
      method: 'GET',
      timeout: 20,
      timeLimit: 600,
      callerId: '+15550001111',
      record: 'record-from-answer',
      answerOnBridge: true,
      hangupOnStar: false,
      ringTone: 'us',
    });
    d.number({ url: '/whisper', method: 'GET' }, '+15550002222');
    d.client('alice');
    d.sip({ username: 'bob', password: 'pw' }, 'sip:bob@pbx.example.com');
  });
  add('dial-hangup-on-star-send-digits', (r) => {
    r.dial({ hangupOnStar: true, action: '/after' }).number(
      { sendDigits: 'ww1234#' },
      '+15550003333'
    );
  });
  add('dial-client-caller-id', (r) => {
    r.dial({ callerId: 'client:thomas', record: 'true' }).client('alice');
  });
  add('say', (r) => {
    r.say({ voice: 'alice', language: 'en-GB', loop: 2 }, 'Hello & welcome');
    r.say({ voice: 'man', loop: 0 }, 'forever');
  });
  add('play', (r) => r.play({ loop: 3 }, 'https://media.example/hello.mp3'));
  add('play-digits', (r) => r.play({ digits: 'ww12#' }));
  add('pause', (r) => {
    r.pause({ length: 5 });
    r.pause();
  });
  add('hangup', (r) => r.hangup());
  add('reject', (r) => {
    r.reject({ reason: 'busy' });
  });
  add('reject-default', (r) => r.reject());
  add('redirect', (r) => r.redirect({ method: 'GET' }, '/next'));
  add('gather', (r) => {
    const g = r.gather({
      action: '/digits',
      method: 'GET',
      timeout: 7,
      finishOnKey: '*',
      numDigits: 4,
      input: 'dtmf',
    });
    g.say({ voice: 'woman' }, 'Enter your PIN');
    g.say({ voice: 'woman' }, 'then press star');
    g.pause({ length: 2 });
    r.say('We did not get your PIN');
  });
  add('gather-play', (r) => {
    r.gather({ action: '/digits' }).play('https://media.example/menu.wav');
  });
  add('gather-defaults', (r) => r.gather());
  add('record', (r) => {
    r.record({
      action: '/recorded',
      method: 'GET',
      timeout: 3,
      finishOnKey: '#*',
      maxLength: 120,
      playBeep: false,
    });
  });
  add('record-defaults', (r) => r.record());
  add('dial-conference', (r) => {
    r.dial({ action: '/left', method: 'GET' }).conference(
      {
        muted: true,
        beep: 'onEnter',
        startConferenceOnEnter: false,
        endConferenceOnExit: true,
        maxParticipants: 10,
        waitUrl: '',
      },
      'team-1'
    );
  });
  return docs;
}

function validate(input) {
  return JSON.parse(input).map((c) =>
    twilio.validateRequest(c.token, c.signature, c.url, c.params)
  );
}

const mode = process.argv[2];
if (mode === 'documents') {
  process.stdout.write(JSON.stringify(documents()));
} else if (mode === 'validate') {
  let input = '';
  process.stdin.on('data', (d) => (input += d));
  process.stdin.on('end', () => process.stdout.write(JSON.stringify(validate(input))));
} else {
  process.stderr.write('usage: node twiml.js documents|validate\n');
  process.exit(2);
}
