namespace PeerStorage.Core.Transport;

/// <summary>Runs one handler on the thread pool, off the read loop, and turns its outcome into frames.</summary>
internal sealed class HandlerCall(PeerConnection connection, PeerStream stream, RequestRouter.Route route, byte[] header)
{
    public async Task RunAsync()
    {
        var context = new PeerCallContext(connection, stream.Method);
        var cancellationToken = stream.TerminatedToken;
        try
        {
            if (route.Request is { } answer)
            {
                var body = await stream.ReadToEndAsync(connection.Options.MaxMessageBytes, cancellationToken).ConfigureAwait(false);
                var response = await answer(context, body, cancellationToken).ConfigureAwait(false);
                if (response.Length > connection.Options.MaxMessageBytes)
                    throw TransportErrors.MessageTooLarge(connection.Describe(), stream.Method, connection.Options.MaxMessageBytes);
                await stream.WriteCoreAsync(response, endStream: true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await route.Stream!(context, header, stream, cancellationToken).ConfigureAwait(false);
                await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
                await stream.CloseAfterHandlerAsync().ConfigureAwait(false);
            }
        }
        catch (Exception) when (stream.IsTerminated)
        {
            // The peer cancelled the stream or the connection is gone: nobody to answer.
        }
        catch (PeerStorageException e)
        {
            await stream.ResetAsync(new ErrorMessage(e.Kind, e.ErrorId, e.Message), e).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            connection.Log.Warning(e, "The handler of '{Method}' failed for {Peer}", stream.Method, connection.Describe());
            var message = $"'{stream.Method}' failed on node {connection.LocalNodeId.Short}: {e.Message}";
            await stream.ResetAsync(new ErrorMessage(PeerErrorKind.Unspecified, TransportErrors.PeerHandlerFailed, message), e).ConfigureAwait(false);
        }
        finally
        {
            // Releases the stream; one still open here (a handler that threw) was already reset above.
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
