// Drives dialbridge's REST API with @jambonz/node-client, pointed at it by
// its baseUrl option: create, list, retrieve, update (redirect) and delete.
// Usage: node run.js <baseUrl> <apiKey> <app base URL> <live call sid>
// Prints one JSON object with what each call returned.
const jambonz = require('@jambonz/node-client');

const [baseUrl, apiKey, appUrl, liveSid] = process.argv.slice(2);
const client = jambonz('acct-node', apiKey, {baseUrl});

(async () => {
  const out = {};
  out.created = await client.calls.create({
    from: '+15551230000',
    to: {type: 'phone', number: '+15559870000'},
    call_hook: `${appUrl}/outbound`,
    call_status_hook: `${appUrl}/status`,
    tag: {client: 'node'},
  });
  out.list = await client.calls.list();
  out.retrieved = await client.calls.retrieve(liveSid);
  await client.calls.update(liveSid, {call_hook: `${appUrl}/next`});
  out.updated = true;
  try {
    await client.calls.retrieve('no-such-call');
    out.unknown = 'found';
  } catch (err) {
    out.unknown = err.message;
  }
  console.log(JSON.stringify(out));
})().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
