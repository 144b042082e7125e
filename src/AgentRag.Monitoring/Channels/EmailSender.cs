using System.Text;
using AgentRag.Core.Monitoring;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AgentRag.Monitoring.Channels;

/// <summary>
/// Sends alerts and cost reports by email over SMTP (MailKit), one connection per message, through the server in
/// <see cref="MonitoringOptions.Smtp"/>. Throws <see cref="AlertDeliveryException"/> naming the server when sending fails,
/// and when no server is configured. Thread-safe.
/// </summary>
public sealed class EmailSender(IOptions<MonitoringOptions> options)
{
    /// <summary>True when an SMTP server is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.Smtp.Host);

    /// <summary>Emails the alert to <paramref name="recipients"/>.</summary>
    public Task SendAlertAsync(AlertNotice notice, IReadOnlyList<string> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var alert = notice.Alert;
        var body = new BodyBuilder
        {
            TextBody = $"{alert.Title}\n\n{alert.Detail}\n\nTenant: {alert.TenantId}\nKind: {alert.Kind}\nSeverity: {alert.Severity}\nRaised: {alert.RaisedAt:O}\nAlert: {alert.Id}\n",
        };
        return SendAsync($"[AgentRag] {notice.Summary}", body, recipients, alert.Id, cancellationToken);
    }

    /// <summary>Emails the cost report (text and HTML, with the JSON attached) to <paramref name="recipients"/>.</summary>
    public Task SendReportAsync(CostReport report, IReadOnlyList<string> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var body = new BodyBuilder { TextBody = report.Text, HtmlBody = report.Html };
        body.Attachments.Add($"cost-report-{report.TenantId}-{report.Day:yyyy-MM-dd}.json", Encoding.UTF8.GetBytes(report.Json), new ContentType("application", "json"));
        return SendAsync($"[AgentRag] Cost report {report.TenantId} {report.Day:yyyy-MM-dd}", body, recipients, $"report-{report.TenantId}-{report.Day:yyyyMMdd}", cancellationToken);
    }

    private async Task SendAsync(string subject, BodyBuilder body, IReadOnlyList<string> recipients, string id, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        if (!IsConfigured)
        {
            throw new AlertDeliveryException($"No SMTP server is configured ({MonitoringOptions.SectionName}:Smtp:Host).", 0);
        }

        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.AddRange(recipients.Select(MailboxAddress.Parse));
        message.MessageId = $"{id}@agentrag";
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            var security = smtp.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
                SmtpSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(smtp.Host!, smtp.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex) when (ex is MailKit.ProtocolException or MailKit.Net.Smtp.SmtpCommandException or System.Net.Sockets.SocketException
                                       or MailKit.Security.AuthenticationException or IOException or TimeoutException or SslHandshakeException)
        {
            throw new AlertDeliveryException($"Sending mail through {smtp.Host}:{smtp.Port} failed: {ex.Message}", 1, ex);
        }
    }
}
