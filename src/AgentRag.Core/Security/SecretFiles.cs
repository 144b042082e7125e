using System.Security.Cryptography;

namespace AgentRag.Core.Security;

/// <summary>Files that hold secrets: owner-only (0600) in an owner-only folder (0700), written once, never logged.</summary>
public static class SecretFiles
{
    /// <summary>The contents of <paramref name="path"/>, trimmed; throws <see cref="InvalidOperationException"/> naming <paramref name="setting"/> when unreadable or empty.</summary>
    public static string Read(string path, string setting)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length > 0 ? text : throw new InvalidOperationException($"The file '{path}' ({setting}) is empty.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read '{path}' ({setting}): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/>, or creates it holding <paramref name="create"/>'s value when it does not exist. Two
    /// processes racing to create it agree on one value: the loser reads the winner's file.
    /// </summary>
    public static (string Value, bool Created) ReadOrCreate(string path, Func<string> create)
    {
        if (File.Exists(path))
        {
            return (Read(path, path), false);
        }

        // Written whole to a file of its own, then moved into place without overwriting: a racing reader never sees the
        // file created but not yet written.
        var value = create();
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        CreateNew(temporary, value);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return (value, true);
        }
        catch (IOException) when (File.Exists(path))
        {
            return (Read(path, path), false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/>, replacing it atomically, readable by its owner only.</summary>
    public static void Write(string path, string value)
    {
        var temporary = path + ".tmp";
        CreateOwnerOnlyDirectory(path);
        File.Delete(temporary);
        CreateNew(temporary, value);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary><paramref name="bytes"/> random bytes as URL-safe base64 without padding.</summary>
    public static string RandomToken(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static void CreateOwnerOnlyDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void CreateNew(string path, string value)
    {
        CreateOwnerOnlyDirectory(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(value));
        stream.Flush(flushToDisk: true);
    }
}
