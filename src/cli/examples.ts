// One example per admin CLI command, shown by `<noun> <verb> --help` (after `npm run --silent cli --`).
export const EXAMPLES: Readonly<Record<string, string>> = {
  'user create':
    "printf '%s\\n' 'a long passphrase' | npm run --silent cli -- user create --email ada@example.com --password-stdin --name 'Ada Lovelace' --email-verified",
  'user invite': 'npm run --silent cli -- user invite --email grace@example.com --lang ko',
  'user list':
    'npm run --silent cli -- user list --search ada --limit 20   (then: --after <next> for the following page)',
  'user show': 'npm run --silent cli -- user show --email ada@example.com',
  'user update':
    "npm run --silent cli -- user update --email ada@example.com --name 'Ada King' --new-email ada.king@example.com --email-verified true",
  'user disable': 'npm run --silent cli -- user disable --email ada@example.com',
  'user enable': 'npm run --silent cli -- user enable --email ada@example.com',
  'user delete': 'npm run --silent cli -- user delete --email ada@example.com',
  'user set-password':
    "printf '%s\\n' 'another long passphrase' | npm run --silent cli -- user set-password --email ada@example.com --password-stdin",
  'user mfa reset': 'npm run --silent cli -- user mfa reset --email ada@example.com',
  'grant revoke': 'npm run --silent cli -- grant revoke --user ada@example.com --client s6BhdRkqt3',
  'audit list': 'npm run --silent cli -- audit list --user ada@example.com --since 24h --limit 50',
  'keys list': 'npm run --silent cli -- keys list',
  'keys rotate': 'npm run --silent cli -- keys rotate --kind signing',
  'keys rewrap': 'KEY_ENCRYPTION_SECRET=<new> KEY_ENCRYPTION_SECRET_PREVIOUS=<old> npm run --silent cli -- keys rewrap',
  'client create':
    "npm run --silent cli -- client create --name 'My app' --redirect-uri http://localhost:8080/callback --post-logout-redirect-uri http://localhost:8080/ " +
    '--backchannel-logout-uri https://app.example.com/backchannel-logout --token-endpoint-auth-method client_secret_post',
  'client list': 'npm run --silent cli -- client list',
  'client show': 'npm run --silent cli -- client show --client-id s6BhdRkqt3',
  'client update':
    'npm run --silent cli -- client update --client-id s6BhdRkqt3 --redirect-uri https://app.example.com/callback',
  'client rotate-secret': 'npm run --silent cli -- client rotate-secret --client-id s6BhdRkqt3',
  'client delete': 'npm run --silent cli -- client delete --client-id s6BhdRkqt3',
  'iat create': 'npm run --silent cli -- iat create --expires-in 86400 --max-uses 5',
  'iat list': 'npm run --silent cli -- iat list',
  'iat revoke': 'npm run --silent cli -- iat revoke --id <id from iat list>',
  'mail test': 'npm run --silent cli -- mail test --to you@example.com',
  'store export': 'npm run --silent cli -- store export --file signet-export.jsonl',
  'store import':
    'MONGODB_URI=mongodb://db.internal/signet npm run --silent cli -- store import --file signet-export.jsonl',
};
