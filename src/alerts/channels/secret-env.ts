/**
 * Secrets from the environment, which wins over the file (as for every other setting): a
 * deployment keeps them out of the config file with a systemd `EnvironmentFile=` or its secret
 * store. A channel may be configured by the environment alone where the secret is all it needs
 * (Slack, PagerDuty, the webhook; Telegram with the chat id too).
 */
export const SECRET_ENV = {
  slackWebhookUrl: 'CFA_SLACK_WEBHOOK_URL',
  telegramBotToken: 'CFA_TELEGRAM_BOT_TOKEN',
  telegramChatId: 'CFA_TELEGRAM_CHAT_ID',
  pagerdutyRoutingKey: 'CFA_PAGERDUTY_ROUTING_KEY',
  smtpPassword: 'CFA_SMTP_PASSWORD',
  webhookUrl: 'CFA_ALERT_WEBHOOK_URL',
} as const;
