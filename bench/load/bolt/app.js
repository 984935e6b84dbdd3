// The comparison app of docs/slack-load.md: a minimal Slack Bolt for JavaScript app
// doing what casebot's `/case new` does at its core, and nothing more: Bolt verifies
// the signature, the handler inserts the case into SQLite (on disk, WAL, the same
// synchronous level as casebot) and acks with "Opened #N: <title>", which the load
// script counts. run.sh starts it with SERVER=bolt; it is never part of casebot.
//
//   SLACK_SIGNING_SECRET=… node app.js PORT DB_PATH [normal|full]
'use strict';
const { App, LogLevel } = require('@slack/bolt');
const Database = require('better-sqlite3');

const [port, dbPath, sync = 'normal'] = process.argv.slice(2);
if (!port || !dbPath || !process.env.SLACK_SIGNING_SECRET) {
  console.error('usage: SLACK_SIGNING_SECRET=… node app.js PORT DB_PATH [normal|full]');
  process.exit(2);
}

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
db.exec(`CREATE TABLE IF NOT EXISTS cases (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  team TEXT NOT NULL,
  channel TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  opened_at TEXT NOT NULL)`);
const insertCase = db.prepare(
  'INSERT INTO cases (title, team, channel, opened_by, opened_at) VALUES (?, ?, ?, ?, ?)');

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  // No Web API calls are made; a fixed token keeps Bolt from asking Slack at start.
  authorize: async () => ({ botToken: 'xoxb-load-test' }),
  logLevel: LogLevel.ERROR,
  convoStore: false,
});

// `/case new <severity> <category> <title>`: the title is the rest.
app.command('/case', async ({ command, ack }) => {
  const title = command.text.split(/\s+/).slice(3).join(' ');
  const { lastInsertRowid } = insertCase.run(title, command.team_id, command.channel_id, command.user_id,
    new Date().toISOString());
  await ack({ response_type: 'ephemeral', text: `Opened #${lastInsertRowid}: ${title}` });
});

(async () => {
  await app.start({ port: Number(port), host: '127.0.0.1' });
  console.log(`bolt listening on 127.0.0.1:${port}`);
})();

process.on('SIGTERM', async () => {
  await app.stop();
  db.close();
  process.exit(0);
});
