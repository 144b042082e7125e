using AgentRag.WebConsole;
using AgentRag.WebConsole.Api;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;
using Microsoft.FluentUI.AspNetCore.Components;

var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.RootComponents.Add<App>("#app");
builder.RootComponents.Add<HeadOutlet>("head::after");

// The console talks to the server it is served from, over the public /v1 API.
builder.Services.AddScoped(_ => new HttpClient { BaseAddress = new Uri(builder.HostEnvironment.BaseAddress) });
builder.Services.AddScoped<CredentialStore>();
builder.Services.AddScoped<ConsoleApiClient>();
builder.Services.AddFluentUIComponents();
builder.Services.AddSingleton(TimeProvider.System); // the approval countdowns read the clock through it

await builder.Build().RunAsync();
